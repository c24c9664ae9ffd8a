/**
 * Applies each programme's retention period. Feedback past it is anonymised: the score, the
 * place, the channel and the month stay for the figures; the comment, the link to the end
 * customer and the exact time go. What only served that feedback is deleted: staff replies
 * and notes, consents, prize entries, alerts, its texts and SMS conversation. Then texts,
 * conversations, end customers and numbers that nothing retained refers to any more, once
 * they are older than the period, go too.
 *
 * Never touched: rows inside their period, rows under an active legal hold (a whole client,
 * an end customer or one feedback), and end customers (and their numbers) that an open
 * privacy request concerns. Due rows left alone are counted by reason.
 *
 * The clock is the database's: a run compares with now() in each transaction.
 */
import { sql } from 'kysely';
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import type { RetentionTrigger } from '../db/schema.ts';
import { asClientId, withClient, type ClientId, type Trx } from '../db/tenancy.ts';
import { endCustomersUnderOpenRequest, mobileIndexesUnderOpenRequest } from '../privacy/requests/index.ts';

export type TableCounts = Record<string, { anonymised: number; deleted: number }>;
export type SkipCounts = Record<'legal_hold' | 'open_privacy_request', number>;

export interface ClientRetention {
  clientId: string;
  counts: TableCounts;
  skipped: SkipCounts;
}

export interface RetentionReport {
  runId: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  clients: number;
  totals: TableCounts;
  skipped: SkipCounts;
  perClient: ClientRetention[];
}

/** Feedback anonymised per transaction: short transactions, so ingest never waits long. */
const BATCH = 500;

class DryRunRollback extends Error {}

function add(counts: TableCounts, table: string, kind: 'anonymised' | 'deleted', n: number | bigint | undefined): void {
  const value = Number(n ?? 0);
  if (!value) return;
  const entry = (counts[table] ??= { anonymised: 0, deleted: 0 });
  entry[kind] += value;
}

function merge(into: TableCounts, from: TableCounts): void {
  for (const [table, c] of Object.entries(from)) {
    add(into, table, 'anonymised', c.anonymised);
    add(into, table, 'deleted', c.deleted);
  }
}

/** End customers and numbers that must stay as they are: held, or concerned by an open privacy request. */
interface Exemptions {
  clientHeld: boolean;
  heldFeedback: string[];
  heldEndCustomers: string[];
  requestedEndCustomers: string[];
  /** Mobile blind indexes of every exempt end customer and of numbers an open request names. */
  mobiles: Buffer[];
}

async function loadExemptions(trx: Trx, clientId: ClientId): Promise<Exemptions> {
  const holds = await trx
    .selectFrom('legal_holds')
    .select(['feedback_id', 'end_customer_id'])
    .where('client_id', '=', clientId)
    .where('released_at', 'is', null)
    .execute();
  const heldEndCustomers = holds.flatMap((h) => (h.end_customer_id ? [h.end_customer_id] : []));
  const requestedEndCustomers = [...(await endCustomersUnderOpenRequest(trx, clientId))];
  const requestedMobiles = await mobileIndexesUnderOpenRequest(trx, clientId);
  const people = [...heldEndCustomers, ...requestedEndCustomers];
  const theirMobiles = people.length
    ? await trx.selectFrom('end_customers').select('mobile_index').where('client_id', '=', clientId).where('id', 'in', people).where('mobile_index', 'is not', null).execute()
    : [];
  return {
    clientHeld: holds.some((h) => !h.feedback_id && !h.end_customer_id),
    heldFeedback: holds.flatMap((h) => (h.feedback_id ? [h.feedback_id] : [])),
    heldEndCustomers,
    requestedEndCustomers,
    mobiles: [...theirMobiles.flatMap((m) => (m.mobile_index ? [m.mobile_index] : [])), ...requestedMobiles],
  };
}

const uuidArray = (ids: string[]) => sql`${ids}::uuid[]`;
const byteaArray = (values: Buffer[]) => sql`${values}::bytea[]`;

/** Feedback past its programme's period (a day after the period's end is past; a day before is not). */
const pastPeriod = sql`f.submitted_at < now() - make_interval(months => p.retention_months)`;

async function countDueSkips(trx: Trx, clientId: ClientId, ex: Exemptions): Promise<SkipCounts> {
  if (ex.clientHeld) {
    const due = await sql<{ n: number }>`
      select count(*)::int as n from feedback f join programmes p on p.client_id = f.client_id and p.id = f.programme_id
      where f.client_id = ${clientId} and f.anonymised_at is null and ${pastPeriod}`.execute(trx);
    return { legal_hold: due.rows[0]?.n ?? 0, open_privacy_request: 0 };
  }
  const held = sql`(f.id = any (${uuidArray(ex.heldFeedback)}) or coalesce(f.end_customer_id = any (${uuidArray(ex.heldEndCustomers)}), false))`;
  const requested = sql`coalesce(f.end_customer_id = any (${uuidArray(ex.requestedEndCustomers)}), false)`;
  const result = await sql<{ held: number; requested: number }>`
    select count(*) filter (where ${held})::int as held, count(*) filter (where not ${held} and ${requested})::int as requested
    from feedback f join programmes p on p.client_id = f.client_id and p.id = f.programme_id
    where f.client_id = ${clientId} and f.anonymised_at is null and ${pastPeriod}`.execute(trx);
  return { legal_hold: result.rows[0]?.held ?? 0, open_privacy_request: result.rows[0]?.requested ?? 0 };
}

/** Anonymises up to BATCH due feedback and deletes what only served it; returns how many feedback it took. */
async function anonymiseBatch(trx: Trx, clientId: ClientId, ex: Exemptions, counts: TableCounts): Promise<number> {
  const exemptPeople = [...ex.heldEndCustomers, ...ex.requestedEndCustomers];
  const due = await sql<{ id: string }>`
    select f.id from feedback f join programmes p on p.client_id = f.client_id and p.id = f.programme_id
    where f.client_id = ${clientId} and f.anonymised_at is null and ${pastPeriod}
      and not (f.id = any (${uuidArray(ex.heldFeedback)}))
      and (f.end_customer_id is null or not (f.end_customer_id = any (${uuidArray(exemptPeople)})))
    order by f.submitted_at
    limit ${BATCH}
    for update of f skip locked`.execute(trx);
  const ids = due.rows.map((r) => r.id);
  if (!ids.length) return 0;
  const batch = uuidArray(ids);
  const deleteLinked = async (table: 'responses' | 'consents' | 'prize_entries' | 'alerts' | 'sms_messages' | 'sms_conversations') => {
    const result = await sql`delete from ${sql.table(table)} where client_id = ${clientId} and feedback_id = any (${batch})`.execute(trx);
    add(counts, table, 'deleted', result.numAffectedRows);
  };
  // Alerts and texts first: they refer to replies and conversations deleted after them.
  await deleteLinked('alerts');
  await deleteLinked('sms_messages');
  await deleteLinked('sms_conversations');
  await deleteLinked('responses');
  await deleteLinked('consents');
  await deleteLinked('prize_entries');
  const cases = await sql`
    update cases set resolution_note = null, updated_at = now()
    where client_id = ${clientId} and feedback_id = any (${batch}) and resolution_note is not null`.execute(trx);
  add(counts, 'cases', 'anonymised', cases.numAffectedRows);
  // The day's rollups keep the exact figures; they are recomputed only when feedback for that
  // day arrives, which for a day past any retention period does not happen.
  const feedback = await sql`
    update feedback f set comment = '', end_customer_id = null, form_nonce = null,
      submitted_at = date_trunc('month', f.submitted_at, c.timezone), anonymised_at = now()
    from clients c
    where c.id = f.client_id and f.client_id = ${clientId} and f.id = any (${batch})`.execute(trx);
  add(counts, 'feedback', 'anonymised', feedback.numAffectedRows);
  return ids.length;
}

/** Texts, conversations, end customers and numbers no retained row refers to, once past their period. */
async function sweepUnreferenced(trx: Trx, clientId: ClientId, ex: Exemptions, counts: TableCounts): Promise<void> {
  const longest = sql`(select max(retention_months) from programmes where client_id = ${clientId})`;
  const shortest = sql`(select min(retention_months) from programmes where client_id = ${clientId})`;
  const exemptMobiles = byteaArray(ex.mobiles);
  const messages = await sql`
    delete from sms_messages m
    where m.client_id = ${clientId} and m.feedback_id is null and not (m.mobile_index = any (${exemptMobiles}))
      and m.created_at < now() - make_interval(months => coalesce(
        (select p.retention_months from locations l join programmes p on p.client_id = l.client_id and p.id = l.programme_id
          where l.client_id = m.client_id and l.id = m.location_id), ${longest}))`.execute(trx);
  add(counts, 'sms_messages', 'deleted', messages.numAffectedRows);
  const conversations = await sql`
    delete from sms_conversations s using programmes p
    where s.client_id = ${clientId} and p.client_id = s.client_id and p.id = s.programme_id
      and s.state <> 'open' and s.feedback_id is null and not (s.mobile_index = any (${exemptMobiles}))
      and s.last_message_at < now() - make_interval(months => p.retention_months)`.execute(trx);
  add(counts, 'sms_conversations', 'deleted', conversations.numAffectedRows);
  const exemptPeople = uuidArray([...ex.heldEndCustomers, ...ex.requestedEndCustomers]);
  const people = await sql`
    delete from end_customers e
    where e.client_id = ${clientId} and not (e.id = any (${exemptPeople}))
      and e.created_at < now() - make_interval(months => ${shortest})
      and not exists (select 1 from feedback f where f.client_id = e.client_id and f.end_customer_id = e.id)
      and not exists (select 1 from consents x where x.client_id = e.client_id and x.end_customer_id = e.id)
      and not exists (select 1 from prize_entries x where x.client_id = e.client_id and x.end_customer_id = e.id)
      and not exists (select 1 from privacy_correction_statements x where x.client_id = e.client_id and x.end_customer_id = e.id)`.execute(trx);
  add(counts, 'end_customers', 'deleted', people.numAffectedRows);
  // A number that said STOP stays known as opted out, or Hark could text it again.
  const numbers = await sql`
    delete from sms_recipients r
    where r.client_id = ${clientId} and r.opted_out_at is null and not (r.mobile_index = any (${exemptMobiles}))
      and r.updated_at < now() - make_interval(months => ${longest})
      and not exists (select 1 from sms_messages m where m.client_id = r.client_id and m.mobile_index = r.mobile_index)
      and not exists (select 1 from sms_conversations s where s.client_id = r.client_id and s.mobile_index = r.mobile_index)`.execute(trx);
  add(counts, 'sms_recipients', 'deleted', numbers.numAffectedRows);
}

function auditDetails(result: ClientRetention): Record<string, number> {
  const details: Record<string, number> = {};
  for (const [table, c] of Object.entries(result.counts)) {
    if (c.anonymised) details[`${table}.anonymised`] = c.anonymised;
    if (c.deleted) details[`${table}.deleted`] = c.deleted;
  }
  for (const [reason, n] of Object.entries(result.skipped)) if (n) details[`skipped.${reason}`] = n;
  return details;
}

/** One client's retention, in short transactions (or, for a dry run, one that is rolled back). */
async function retainClient(services: Services, clientId: ClientId, dryRun: boolean, runId: string): Promise<ClientRetention> {
  const result: ClientRetention = { clientId, counts: {}, skipped: { legal_hold: 0, open_privacy_request: 0 } };
  const work = async (trx: Trx, once: boolean): Promise<boolean> => {
    const ex = await loadExemptions(trx, clientId);
    if (once) result.skipped = await countDueSkips(trx, clientId, ex);
    if (ex.clientHeld) return false;
    let taken: number;
    do {
      taken = await anonymiseBatch(trx, clientId, ex, result.counts);
    } while (dryRun && taken === BATCH);
    if (taken === BATCH) return true;
    await sweepUnreferenced(trx, clientId, ex, result.counts);
    return false;
  };
  if (dryRun) {
    await withClient(services.db, clientId, async (trx) => {
      await work(trx, true);
      throw new DryRunRollback();
    }).catch((error: unknown) => {
      if (!(error instanceof DryRunRollback)) throw error;
    });
    return result;
  }
  let first = true;
  for (;;) {
    const more = await withClient(services.db, clientId, (trx) => work(trx, first));
    first = false;
    if (!more) break;
  }
  const details = auditDetails(result);
  if (Object.keys(details).length) {
    await withClient(services.db, clientId, (trx) =>
      appendAudit(trx, { clientId, actorKind: 'system', action: 'retention.applied', subjectKind: 'retention_run', subjectId: runId, details }),
    );
  }
  return result;
}

export async function runRetention(services: Services, options: { dryRun: boolean; trigger: RetentionTrigger; actorId?: string }): Promise<RetentionReport> {
  const run = await services.db
    .insertInto('retention_runs')
    .values({ dry_run: options.dryRun, trigger: options.trigger })
    .returning(['id', 'started_at'])
    .executeTakeFirstOrThrow();
  const clients = await services.db.selectFrom('clients').select('id').orderBy('id').execute();
  const perClient: ClientRetention[] = [];
  const totals: TableCounts = {};
  const skipped: SkipCounts = { legal_hold: 0, open_privacy_request: 0 };
  try {
    for (const client of clients) {
      const result = await retainClient(services, asClientId(client.id), options.dryRun, run.id);
      perClient.push(result);
      merge(totals, result.counts);
      skipped.legal_hold += result.skipped.legal_hold;
      skipped.open_privacy_request += result.skipped.open_privacy_request;
    }
  } catch (error) {
    await services.db
      .updateTable('retention_runs')
      .set({ finished_at: new Date(), error: error instanceof Error ? error.message.slice(0, 500) : 'failed', totals: JSON.stringify(totals), skipped: JSON.stringify(skipped), clients: perClient.length })
      .where('id', '=', run.id)
      .execute();
    throw error;
  }
  const finished = await services.db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('retention_runs')
      .set({ finished_at: sql<Date>`clock_timestamp()`, totals: JSON.stringify(totals), skipped: JSON.stringify(skipped), clients: perClient.length })
      .where('id', '=', run.id)
      .returning('finished_at')
      .executeTakeFirstOrThrow();
    const details: Record<string, number | boolean | string> = { dry_run: options.dryRun, trigger: options.trigger, clients: perClient.length };
    for (const [table, c] of Object.entries(totals)) {
      if (c.anonymised) details[`${table}.anonymised`] = c.anonymised;
      if (c.deleted) details[`${table}.deleted`] = c.deleted;
    }
    await appendAudit(trx, {
      clientId: null,
      actorKind: options.actorId ? 'operator' : 'system',
      actorId: options.actorId ?? null,
      action: options.dryRun ? 'retention.dry_run' : 'retention.run',
      subjectKind: 'retention_run',
      subjectId: run.id,
      details,
    });
    return row.finished_at as Date;
  });
  return {
    runId: run.id,
    dryRun: options.dryRun,
    startedAt: run.started_at.toISOString(),
    finishedAt: finished.toISOString(),
    clients: perClient.length,
    totals,
    skipped,
    perClient,
  };
}

export async function listRetentionRuns(services: Services, limit = 50) {
  const rows = await services.db.selectFrom('retention_runs').selectAll().orderBy('started_at', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    dryRun: r.dry_run,
    trigger: r.trigger,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
    clients: r.clients,
    totals: r.totals,
    skipped: r.skipped,
    error: r.error,
  }));
}
