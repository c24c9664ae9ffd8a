/**
 * Prize draws of a client: the current period's draw (its commitment published as soon as it
 * exists), the live count of entrants, running the draw once the period has closed, recording
 * a winner found ineligible and drawing again, telling the winners, and purging entrants'
 * contact details when the terms say.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { withAccess, type Access } from '../accounts/index.ts';
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import { asClientId, withClient, type ClientId, type Trx } from '../db/tenancy.ts';
import { open, seal } from '../keys/envelope.ts';
import { localDay } from '../reports/index.ts';
import { commitmentOf, drawPositions, entriesHash, entrantToken, orderEntries, verifyDraw, type Verification } from './algorithm.ts';
import { describePeriod, periodContaining, type DrawPeriod } from './periods.ts';

export interface DrawSettings {
  period: DrawPeriod;
  winners: number;
  purgeAfterDays: number;
  prize: string;
}

const defaultSettings: DrawSettings = { period: 'month', winners: 1, purgeAfterDays: 30, prize: '' };

export async function loadDrawSettings(trx: Trx, clientId: ClientId, programmeId: string): Promise<DrawSettings> {
  const row = await trx.selectFrom('prize_draw_settings').selectAll().where('client_id', '=', clientId).where('programme_id', '=', programmeId).executeTakeFirst();
  return row ? { period: row.period, winners: row.winners, purgeAfterDays: row.purge_after_days, prize: row.prize } : defaultSettings;
}

export async function saveDrawSettings(services: Services, access: Access, programmeId: string, settings: DrawSettings): Promise<boolean> {
  return withAccess(services.db, access, async (trx) => {
    const programme = await trx.selectFrom('programmes').select('id').where('client_id', '=', access.clientId).where('id', '=', programmeId).executeTakeFirst();
    if (!programme) return false;
    const values = { period: settings.period, winners: settings.winners, purge_after_days: settings.purgeAfterDays, prize: settings.prize, updated_at: new Date() };
    await trx
      .insertInto('prize_draw_settings')
      .values({ client_id: access.clientId, programme_id: programmeId, ...values })
      .onConflict((oc) => oc.columns(['client_id', 'programme_id']).doUpdateSet(values))
      .execute();
    await appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action: 'prize_draw.settings_changed', subjectKind: 'programme', subjectId: programmeId, details: { ...settings } });
    return true;
  });
}

const sealContext = (clientId: string, drawId: string) => `prize-draw-seed:${clientId}:${drawId}`;

/**
 * The draw of the period holding now, for each of the client's programmes with a prize draw:
 * made (and its commitment published) if it is not there yet.
 */
export async function ensureCurrentDraws(services: Services, trx: Trx, clientId: ClientId): Promise<void> {
  const client = await trx.selectFrom('clients').select('timezone').where('id', '=', clientId).executeTakeFirstOrThrow();
  const programmes = await trx.selectFrom('programmes').select('id').where('client_id', '=', clientId).where('prize_draw_enabled', '=', true).execute();
  for (const programme of programmes) {
    const settings = await loadDrawSettings(trx, clientId, programme.id);
    const bounds = periodContaining(settings.period, new Date(), client.timezone);
    const exists = await trx
      .selectFrom('prize_draws')
      .select('id')
      .where('client_id', '=', clientId)
      .where('programme_id', '=', programme.id)
      .where('period', '=', settings.period)
      .where('period_start', '=', bounds.start)
      .executeTakeFirst();
    if (exists) continue;
    const id = crypto.randomUUID();
    const seed = randomBytes(32);
    await trx
      .insertInto('prize_draws')
      .values({
        client_id: clientId,
        id,
        programme_id: programme.id,
        period: settings.period,
        period_start: bounds.start,
        period_end: bounds.end,
        winners: settings.winners,
        prize: settings.prize,
        seed_sealed: seal(services.secrets.prizeDraws, seed, sealContext(clientId, id)),
        commitment: commitmentOf(seed),
        purge_after_days: settings.purgeAfterDays,
      })
      .onConflict((oc) => oc.columns(['client_id', 'programme_id', 'period', 'period_start']).doNothing())
      .execute();
  }
}

interface PersonEntry {
  end_customer_id: string;
  person_key: Buffer;
}

/** One row per person who entered the programme's draw in the period (by email, else mobile, blind index). */
async function entrantsOf(trx: Trx, clientId: ClientId, draw: { programme_id: string; period_start: string; period_end: string }): Promise<PersonEntry[]> {
  const result = await sql<PersonEntry>`
    select distinct on (person_key) person_key, end_customer_id from (
      select coalesce(e.email_index, e.mobile_index, uuid_send(e.id)) as person_key, e.id as end_customer_id, p.entered_at
      from prize_entries p
      join end_customers e on e.client_id = p.client_id and e.id = p.end_customer_id
      join clients c on c.id = p.client_id
      where p.client_id = ${clientId} and p.programme_id = ${draw.programme_id}
        and p.entered_at >= (${draw.period_start}::date::timestamp at time zone c.timezone)
        and p.entered_at < (${draw.period_end}::date::timestamp at time zone c.timezone)
    ) people
    order by person_key, entered_at`.execute(trx);
  return result.rows;
}

export interface DrawSummary {
  id: string;
  programmeId: string;
  programmeName: string;
  period: DrawPeriod;
  periodName: string;
  periodStart: string;
  periodEnd: string;
  prize: string;
  winnersWanted: number;
  status: 'open' | 'drawn' | 'purged';
  commitment: string;
  committedAt: string;
  entrants: number;
  closed: boolean;
  drawnAt: string | null;
  purgeOn: string | null;
  publicUrl: string;
}

export async function listDraws(services: Services, access: Access): Promise<DrawSummary[]> {
  return withAccess(services.db, access, async (trx) => {
    await ensureCurrentDraws(services, trx, access.clientId);
    const client = await trx.selectFrom('clients').select('timezone').where('id', '=', access.clientId).executeTakeFirstOrThrow();
    const todayLocal = localDay(new Date(), client.timezone);
    const draws = await trx
      .selectFrom('prize_draws as d')
      .innerJoin('programmes as p', (j) => j.onRef('p.client_id', '=', 'd.client_id').onRef('p.id', '=', 'd.programme_id'))
      .select(['d.id', 'd.programme_id', 'p.name as programme_name', 'd.period', 'd.period_start', 'd.period_end', 'd.prize', 'd.winners', 'd.status', 'd.commitment', 'd.committed_at', 'd.entry_count', 'd.drawn_at', 'd.purge_after_days'])
      .where('d.client_id', '=', access.clientId)
      .orderBy('d.period_start', 'desc')
      .limit(50)
      .execute();
    // An open draw's entrants are counted as they stand; the look-ups go out together (one round trip).
    const entrantCounts = await Promise.all(
      draws.map((d) => d.entry_count ?? entrantsOf(trx, access.clientId, { programme_id: d.programme_id, period_start: d.period_start, period_end: d.period_end }).then((found) => found.length)),
    );
    const summaries: DrawSummary[] = [];
    for (const [i, d] of draws.entries()) {
      const start = d.period_start;
      const end = d.period_end;
      const entrants = entrantCounts[i]!;
      summaries.push({
        id: d.id,
        programmeId: d.programme_id,
        programmeName: d.programme_name,
        period: d.period,
        periodName: describePeriod(d.period, start),
        periodStart: start,
        periodEnd: end,
        prize: d.prize,
        winnersWanted: d.winners,
        status: d.status,
        commitment: d.commitment.toString('hex'),
        committedAt: d.committed_at.toISOString(),
        entrants,
        closed: end <= todayLocal,
        drawnAt: d.drawn_at ? d.drawn_at.toISOString() : null,
        purgeOn: d.drawn_at ? new Date(d.drawn_at.getTime() + d.purge_after_days * 86_400_000).toISOString() : null,
        publicUrl: `${services.publicUrl}/draws/${d.id}`,
      });
    }
    return summaries;
  });
}

export interface DrawWinner {
  round: number;
  token: string;
  status: 'selected' | 'ineligible';
  ineligibleReason: string | null;
  notifiedAt: string | null;
  notifiedBy: 'email' | 'sms' | null;
  /** Only for people who may see contact details, and only until the purge. */
  contact: { name: string | null; email: string | null; mobile: string | null } | null;
}

export async function findDrawWinners(services: Services, access: Access, drawId: string, withContact: boolean): Promise<DrawWinner[] | null> {
  return withAccess(services.db, access, async (trx) => {
    const draw = await trx.selectFrom('prize_draws').select('id').where('client_id', '=', access.clientId).where('id', '=', drawId).executeTakeFirst();
    if (!draw) return null;
    const rows = await trx
      .selectFrom('prize_draw_winners as w')
      .innerJoin('prize_draw_entrants as e', (j) => j.onRef('e.client_id', '=', 'w.client_id').onRef('e.draw_id', '=', 'w.draw_id').onRef('e.position', '=', 'w.position'))
      .leftJoin('end_customers as c', (j) => j.onRef('c.client_id', '=', 'e.client_id').onRef('c.id', '=', 'e.end_customer_id'))
      .select(['w.round', 'e.token', 'w.status', 'w.ineligible_reason', 'w.notified_at', 'w.notified_by', 'c.name_enc', 'c.email_enc', 'c.mobile_enc', 'e.end_customer_id'])
      .where('w.client_id', '=', access.clientId)
      .where('w.draw_id', '=', drawId)
      .orderBy('w.round')
      .execute();
    const keyring = withContact ? await services.keyrings.keyringFor(trx, access.clientId) : null;
    return rows.map((r) => ({
      round: r.round,
      token: r.token,
      status: r.status,
      ineligibleReason: r.ineligible_reason,
      notifiedAt: r.notified_at ? r.notified_at.toISOString() : null,
      notifiedBy: r.notified_by,
      contact:
        keyring && r.end_customer_id
          ? {
              name: r.name_enc ? keyring.decrypt('name', r.name_enc) : null,
              email: r.email_enc ? keyring.decrypt('email', r.email_enc) : null,
              mobile: r.mobile_enc ? keyring.decrypt('mobile', r.mobile_enc) : null,
            }
          : null,
    }));
  });
}

export type RunDrawResult =
  | { ok: true; entrants: number; winners: number }
  | { ok: false; reason: 'not_found' | 'not_closed' | 'already_drawn' };

/** Who runs a draw: a person of the business (the portal, the default) or operator staff at the command line (`hark draw run`). */
export type DrawRunner = { kind: 'user'; userId: string } | { kind: 'operator'; label: string; via: 'cli' };

/** The client a draw belongs to, read as the owner (the draw id is the key, as on its public page); null if there is no such draw. */
export async function findDrawClientId(services: Services, drawId: string): Promise<ClientId | null> {
  const row = await services.db.selectFrom('prize_draws').select('client_id').where('id', '=', drawId).executeTakeFirst();
  return row ? asClientId(row.client_id) : null;
}

/** Freezes the entry list, reveals the seed and picks the winners. Once per draw. */
export async function runDraw(services: Services, access: Access, drawId: string, runner: DrawRunner = { kind: 'user', userId: access.userId }): Promise<RunDrawResult> {
  return withAccess(services.db, access, async (trx) => {
    const draw = await trx.selectFrom('prize_draws').selectAll().where('client_id', '=', access.clientId).where('id', '=', drawId).forUpdate().executeTakeFirst();
    if (!draw) return { ok: false, reason: 'not_found' } as const;
    if (draw.status !== 'open') return { ok: false, reason: 'already_drawn' } as const;
    const start = draw.period_start;
    const end = draw.period_end;
    const closed = await sql<{ closed: boolean }>`
      select (now() >= (${end}::date::timestamp at time zone c.timezone)) as closed from clients c where c.id = ${access.clientId}`.execute(trx);
    if (!closed.rows[0]?.closed) return { ok: false, reason: 'not_closed' } as const;

    const people = await entrantsOf(trx, access.clientId, { programme_id: draw.programme_id, period_start: start, period_end: end });
    const byToken = new Map(people.map((p) => [entrantToken(draw.id, p.person_key), p.end_customer_id]));
    const tokens = orderEntries([...byToken.keys()]);
    if (tokens.length) {
      await trx
        .insertInto('prize_draw_entrants')
        .values(tokens.map((token, position) => ({ client_id: access.clientId, draw_id: draw.id, position, token, end_customer_id: byToken.get(token) ?? null })))
        .execute();
    }
    const seed = open(services.secrets.prizeDraws, draw.seed_sealed, sealContext(access.clientId, draw.id));
    const positions = drawPositions(seed, tokens, draw.winners);
    if (positions.length) {
      await trx
        .insertInto('prize_draw_winners')
        .values(positions.map((position, i) => ({ client_id: access.clientId, draw_id: draw.id, round: i + 1, position })))
        .execute();
    }
    await trx
      .updateTable('prize_draws')
      .set({ status: 'drawn', seed, entries_hash: entriesHash(tokens), entry_count: tokens.length, drawn_at: new Date(), drawn_by: runner.kind === 'user' ? runner.userId : null })
      .where('client_id', '=', access.clientId)
      .where('id', '=', draw.id)
      .execute();
    const details = { entrants: tokens.length, winners: positions.length, entries_hash: entriesHash(tokens).toString('hex') };
    await appendAudit(trx, {
      clientId: access.clientId,
      actorKind: runner.kind,
      actorId: runner.kind === 'user' ? runner.userId : runner.label,
      action: 'prize_draw.drawn',
      subjectKind: 'prize_draw',
      subjectId: draw.id,
      details: runner.kind === 'user' ? details : { ...details, via: runner.via },
    });
    return { ok: true, entrants: tokens.length, winners: positions.length } as const;
  });
}

export type RedrawResult = { ok: true; replacement: string | null } | { ok: false; reason: 'not_found' | 'not_drawn' | 'not_selected' };

/** Records a winner as ineligible (with the reason) and draws the next round from those not yet picked. */
export async function replaceIneligibleWinner(services: Services, access: Access, drawId: string, round: number, reason: string): Promise<RedrawResult> {
  return withAccess(services.db, access, async (trx) => {
    const draw = await trx.selectFrom('prize_draws').selectAll().where('client_id', '=', access.clientId).where('id', '=', drawId).forUpdate().executeTakeFirst();
    if (!draw) return { ok: false, reason: 'not_found' } as const;
    if (draw.status !== 'drawn' || !draw.seed) return { ok: false, reason: 'not_drawn' } as const;
    const winner = await trx.selectFrom('prize_draw_winners').selectAll().where('client_id', '=', access.clientId).where('draw_id', '=', drawId).where('round', '=', round).executeTakeFirst();
    if (!winner || winner.status !== 'selected') return { ok: false, reason: 'not_selected' } as const;
    await trx
      .updateTable('prize_draw_winners')
      .set({ status: 'ineligible', ineligible_reason: reason, decided_by: access.userId, decided_at: new Date() })
      .where('client_id', '=', access.clientId)
      .where('draw_id', '=', drawId)
      .where('round', '=', round)
      .execute();
    const entrants = await trx.selectFrom('prize_draw_entrants').select(['position', 'token']).where('client_id', '=', access.clientId).where('draw_id', '=', drawId).orderBy('position').execute();
    const rounds = await trx.selectFrom('prize_draw_winners').select(sql<number>`max(round)`.as('last')).where('client_id', '=', access.clientId).where('draw_id', '=', drawId).executeTakeFirstOrThrow();
    const next = Number(rounds.last) + 1;
    const positions = drawPositions(draw.seed, entrants.map((e) => e.token), next);
    const position = positions.length === next ? positions[next - 1] : undefined;
    if (position !== undefined) {
      await trx.insertInto('prize_draw_winners').values({ client_id: access.clientId, draw_id: drawId, round: next, position }).execute();
    }
    await appendAudit(trx, {
      clientId: access.clientId,
      actorKind: 'user',
      actorId: access.userId,
      action: 'prize_draw.winner_ineligible',
      subjectKind: 'prize_draw',
      subjectId: drawId,
      details: { round, reason, redraw_round: position === undefined ? null : next },
    });
    return { ok: true, replacement: position === undefined ? null : (entrants[position]?.token ?? null) } as const;
  });
}

/** Tells each selected winner not yet told, by email if they gave one, else by text. */
export async function notifyWinners(services: Services, access: Access, drawId: string): Promise<{ notified: number; unreachable: number } | null> {
  const { queueStaffText } = await import('../sms/index.ts');
  return withAccess(services.db, access, async (trx) => {
    const draw = await trx
      .selectFrom('prize_draws as d')
      .innerJoin('clients as c', 'c.id', 'd.client_id')
      .select(['d.id', 'd.status', 'd.prize', 'c.name as client_name'])
      .where('d.client_id', '=', access.clientId)
      .where('d.id', '=', drawId)
      .executeTakeFirst();
    if (!draw || draw.status !== 'drawn') return null;
    const rows = await trx
      .selectFrom('prize_draw_winners as w')
      .innerJoin('prize_draw_entrants as e', (j) => j.onRef('e.client_id', '=', 'w.client_id').onRef('e.draw_id', '=', 'w.draw_id').onRef('e.position', '=', 'w.position'))
      .innerJoin('end_customers as c', (j) => j.onRef('c.client_id', '=', 'e.client_id').onRef('c.id', '=', 'e.end_customer_id'))
      .select(['w.round', 'c.name_enc', 'c.email_enc', 'c.mobile_enc'])
      .where('w.client_id', '=', access.clientId)
      .where('w.draw_id', '=', drawId)
      .where('w.status', '=', 'selected')
      .where('w.notified_at', 'is', null)
      .execute();
    const keyring = await services.keyrings.keyringFor(trx, access.clientId);
    const prize = draw.prize || 'the prize';
    let notified = 0;
    let unreachable = 0;
    for (const row of rows) {
      const name = row.name_enc ? keyring.decrypt('name', row.name_enc) : null;
      const greeting = name ? `Kia ora ${name},` : 'Kia ora,';
      let by: 'email' | 'sms' | null = null;
      if (row.email_enc) {
        await services.mailer.send({
          to: keyring.decrypt('email', row.email_enc),
          subject: `You won ${prize} from ${draw.client_name}`,
          messageKey: `prize-draw-${drawId}-${row.round}`,
          text: `${greeting}\n\nThank you for your feedback to ${draw.client_name}. You were drawn as a winner of ${prize} in its prize draw.\n${draw.client_name} will be in touch about how you receive it.\n\nThe draw can be checked by anyone: ${services.publicUrl}/draws/${drawId}\n`,
        });
        by = 'email';
      } else if (row.mobile_enc) {
        await queueStaffText(services, trx, access.clientId, keyring.decrypt('mobile', row.mobile_enc), `${draw.client_name}: you won ${prize} in our feedback prize draw! We will be in touch. Check the draw: ${services.publicUrl}/draws/${drawId}`, null);
        by = 'sms';
      }
      if (!by) {
        unreachable += 1;
        continue;
      }
      await trx
        .updateTable('prize_draw_winners')
        .set({ notified_at: new Date(), notified_by: by })
        .where('client_id', '=', access.clientId)
        .where('draw_id', '=', drawId)
        .where('round', '=', row.round)
        .execute();
      notified += 1;
    }
    if (notified) {
      await appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action: 'prize_draw.winners_notified', subjectKind: 'prize_draw', subjectId: drawId, details: { notified } });
    }
    return { notified, unreachable };
  });
}

/**
 * For every draw whose purge day has come: its entries go, the frozen list forgets who each
 * token was, and entrants' contact details go unless something else still needs them (a
 * request to be contacted about their feedback, or an entry in a draw not yet purged).
 */
export async function purgeDueDraws(services: Services): Promise<number> {
  const due = await sql<{ client_id: string; id: string }>`
    select client_id, id from prize_draws
    where status = 'drawn' and drawn_at + make_interval(days => purge_after_days) <= now()`.execute(services.db);
  for (const row of due.rows) {
    const clientId = asClientId(row.client_id);
    await withClient(services.db, clientId, (trx) => purgeDraw(trx, clientId, row.id));
  }
  return due.rows.length;
}

async function purgeDraw(trx: Trx, clientId: ClientId, drawId: string): Promise<void> {
  const draw = await trx.selectFrom('prize_draws').selectAll().where('client_id', '=', clientId).where('id', '=', drawId).forUpdate().executeTakeFirst();
  if (!draw || draw.status !== 'drawn') return;
  const start = draw.period_start;
  const end = draw.period_end;
  const people = await trx.selectFrom('prize_draw_entrants').select('end_customer_id').where('client_id', '=', clientId).where('draw_id', '=', drawId).where('end_customer_id', 'is not', null).execute();
  const entries = await sql`
    delete from prize_entries p using clients c
    where c.id = p.client_id and p.client_id = ${clientId} and p.programme_id = ${draw.programme_id}
      and p.entered_at >= (${start}::date::timestamp at time zone c.timezone)
      and p.entered_at < (${end}::date::timestamp at time zone c.timezone)`.execute(trx);
  await trx.updateTable('prize_draw_entrants').set({ end_customer_id: null }).where('client_id', '=', clientId).where('draw_id', '=', drawId).execute();
  const ids = people.flatMap((p) => (p.end_customer_id ? [p.end_customer_id] : []));
  let wiped = 0;
  if (ids.length) {
    const result = await sql`
      update end_customers e set name_enc = null, email_enc = null, mobile_enc = null, email_index = null, mobile_index = null
      where e.client_id = ${clientId} and e.id = any (${ids}::uuid[])
        and not exists (select 1 from feedback f where f.client_id = e.client_id and f.end_customer_id = e.id and f.contact_requested)
        and not exists (select 1 from prize_entries p where p.client_id = e.client_id and p.end_customer_id = e.id)
        and not exists (select 1 from prize_draw_entrants x join prize_draws d on d.client_id = x.client_id and d.id = x.draw_id
          where x.client_id = e.client_id and x.end_customer_id = e.id and d.status = 'drawn')`.execute(trx);
    wiped = Number(result.numAffectedRows ?? 0);
  }
  await trx.updateTable('prize_draws').set({ status: 'purged', purged_at: new Date() }).where('client_id', '=', clientId).where('id', '=', drawId).execute();
  await appendAudit(trx, {
    clientId,
    actorKind: 'system',
    action: 'prize_draw.purged',
    subjectKind: 'prize_draw',
    subjectId: drawId,
    details: { prize_entries_deleted: Number(entries.numAffectedRows ?? 0), contacts_wiped: wiped },
  });
}

/** Every client's current draws, made if missing (the daily job; also when staff open the page). */
export async function ensureAllCurrentDraws(services: Services): Promise<void> {
  const clients = await services.db.selectFrom('programmes').select('client_id').where('prize_draw_enabled', '=', true).distinct().execute();
  for (const c of clients) {
    const clientId = asClientId(c.client_id);
    await withClient(services.db, clientId, (trx) => ensureCurrentDraws(services, trx, clientId));
  }
}

export interface PublicDraw {
  id: string;
  clientName: string;
  programmeName: string;
  periodName: string;
  prize: string;
  status: 'open' | 'drawn' | 'purged';
  commitment: string;
  committedAt: Date;
  seed: string | null;
  entriesHash: string | null;
  entryCount: number | null;
  tokens: string[];
  winners: { round: number; token: string; status: 'selected' | 'ineligible' }[];
}

/** What anyone may see of a draw: no names, no contact details, only tokens. Read as the owner: the id is the secret-free key. */
export async function findPublicDraw(services: Services, drawId: string): Promise<PublicDraw | null> {
  const draw = await services.db
    .selectFrom('prize_draws as d')
    .innerJoin('clients as c', 'c.id', 'd.client_id')
    .innerJoin('programmes as p', (j) => j.onRef('p.client_id', '=', 'd.client_id').onRef('p.id', '=', 'd.programme_id'))
    .select(['d.id', 'd.client_id', 'c.name as client_name', 'p.name as programme_name', 'd.period', 'd.period_start', 'd.prize', 'd.status', 'd.commitment', 'd.committed_at', 'd.seed', 'd.entries_hash', 'd.entry_count'])
    .where('d.id', '=', drawId)
    .executeTakeFirst();
  if (!draw) return null;
  const tokens = await services.db.selectFrom('prize_draw_entrants').select('token').where('client_id', '=', draw.client_id).where('draw_id', '=', drawId).orderBy('position').execute();
  const winners = await services.db
    .selectFrom('prize_draw_winners as w')
    .innerJoin('prize_draw_entrants as e', (j) => j.onRef('e.client_id', '=', 'w.client_id').onRef('e.draw_id', '=', 'w.draw_id').onRef('e.position', '=', 'w.position'))
    .select(['w.round', 'e.token', 'w.status'])
    .where('w.client_id', '=', draw.client_id)
    .where('w.draw_id', '=', drawId)
    .orderBy('w.round')
    .execute();
  return {
    id: draw.id,
    clientName: draw.client_name,
    programmeName: draw.programme_name,
    periodName: describePeriod(draw.period, draw.period_start),
    prize: draw.prize,
    status: draw.status,
    commitment: draw.commitment.toString('hex'),
    committedAt: draw.committed_at,
    seed: draw.seed ? draw.seed.toString('hex') : null,
    entriesHash: draw.entries_hash ? draw.entries_hash.toString('hex') : null,
    entryCount: draw.entry_count,
    tokens: tokens.map((t) => t.token),
    winners: winners.map((w) => ({ round: w.round, token: w.token, status: w.status })),
  };
}

export type StoredDrawCheck = { found: false } | { found: true; open: true } | { found: true; open: false; draw: PublicDraw; result: Verification };

/** Re-runs a drawn draw from what it published (`hark draw verify`). */
export async function verifyStoredDraw(services: Services, drawId: string): Promise<StoredDrawCheck> {
  const draw = await findPublicDraw(services, drawId);
  if (!draw) return { found: false };
  if (!draw.seed || !draw.entriesHash) return { found: true, open: true };
  const result = verifyDraw({
    commitment: Buffer.from(draw.commitment, 'hex'),
    seed: Buffer.from(draw.seed, 'hex'),
    tokens: draw.tokens,
    entriesHash: Buffer.from(draw.entriesHash, 'hex'),
    winners: draw.winners.map((w) => w.token),
  });
  return { found: true, open: false, draw, result };
}
