/**
 * Retention: feedback a day past its programme's period is anonymised and what only served
 * it deleted; feedback a day inside it is untouched; a legal hold and an open privacy
 * request keep rows exactly as they are; a dry run changes nothing; each run is counted in
 * the operator's list and the audit logs. Timestamps are set on the rows (the database's
 * clock decides what is past), never faked.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, testPassword, type PortalClient } from '../helpers/portal.ts';

const RETENTION_MONTHS = 12;

describe(`retention (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let client: TestClient;
  let operator: PortalClient;
  let owner: PortalClient;

  /** Feedback ids by what the test calls them. */
  const ids: Record<string, string> = {};

  async function feedbackId(comment: string): Promise<string> {
    const row = await hark.services.db.selectFrom('feedback').select('id').where('comment', '=', comment).executeTakeFirstOrThrow();
    return row.id;
  }

  /** Moves a feedback (and its end customer and texts) back in time: `months` months and `days` days ago, by the database's clock. */
  async function age(id: string, months: number, days: number): Promise<void> {
    const when = sql<Date>`now() - make_interval(months => ${months}, days => ${days})`;
    await sql`update feedback set submitted_at = ${when} where id = ${id}`.execute(hark.services.db);
    await sql`update end_customers set created_at = ${when} where id = (select end_customer_id from feedback where id = ${id})`.execute(hark.services.db);
  }

  async function row(id: string) {
    return hark.services.db
      .selectFrom('feedback')
      .select(['comment', 'end_customer_id', 'anonymised_at', 'submitted_at', 'score', 'location_id'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  }

  async function counts() {
    const tables = ['feedback', 'end_customers', 'responses', 'consents', 'prize_entries', 'legal_holds'] as const;
    const result: Record<string, number> = {};
    for (const table of tables) {
      const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(hark.services.db);
      result[table] = r.rows[0]?.n ?? 0;
    }
    const anonymised = await sql<{ n: number }>`select count(*)::int as n from feedback where anonymised_at is not null`.execute(hark.services.db);
    result.anonymised = anonymised.rows[0]?.n ?? 0;
    return result;
  }

  beforeAll(async () => {
    hark = await startTestHark();
    client = await createTestClient(hark.services, { prizeDraw: true, name: 'Retention Café' });
    await sql`update programmes set retention_months = ${RETENTION_MONTHS} where id = ${client.programmeId}`.execute(hark.services.db);
    const page = `/f/${client.location.code}`;
    const withContact = (who: string) => ({ name: who, email: `${who.toLowerCase()}@example.com`, contact_requested: 'yes', prize_draw: 'yes', accept_terms: 'yes', accept_privacy: 'yes' });
    await giveFeedback(hark, page, { score: '2', comment: 'past the period', ...withContact('Aroha') });
    await giveFeedback(hark, page, { score: '4', comment: 'inside the period', ...withContact('Ben') });
    await giveFeedback(hark, page, { score: '1', comment: 'past but on hold', ...withContact('Cleo') });
    await giveFeedback(hark, page, { score: '3', comment: 'past but the person asked', ...withContact('Dara') });
    for (const comment of ['past the period', 'inside the period', 'past but on hold', 'past but the person asked']) ids[comment] = await feedbackId(comment);
    await age(ids['past the period'] ?? '', RETENTION_MONTHS, 1);
    await age(ids['inside the period'] ?? '', RETENTION_MONTHS, -1);
    await age(ids['past but on hold'] ?? '', RETENTION_MONTHS, 30);
    await age(ids['past but the person asked'] ?? '', RETENTION_MONTHS, 30);

    const operatorId = await createUser(hark.services.db, { email: 'retention-ops@hark.example', name: 'Ops', password: testPassword, kind: 'operator' });
    operator = await signIn(hark, { id: operatorId, email: 'retention-ops@hark.example', password: testPassword });
    owner = await signIn(hark, await createTestUser(hark.services, client.clientId, 'owner'));
    // A staff reply to the feedback past its period: it goes with it.
    const reply = await owner.post(`/api/v1/feedback/${ids['past the period']}/responses`, { kind: 'note', body: 'Called Aroha back' });
    expect(reply.status).toBe(201);
  });
  afterAll(() => hark?.close());

  it('refuses bad holds with a message and stores nothing', async () => {
    const before = await counts();
    const path = `/api/v1/operator/clients/${client.clientId}/legal-holds`;
    const short = await operator.post<{ error: { message: string } }>(path, { reason: 'x' });
    expect(short.status).toBe(400);
    expect(short.body.error.message).toMatch(/say why/);
    const both = await operator.post<{ error: { message: string } }>(path, { reason: 'Production order 12', feedbackId: ids['past the period'], endCustomerId: ids['past the period'] });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/not both/);
    const foreign = await operator.post<{ error: { message: string } }>(path, { reason: 'Production order 12', feedbackId: '00000000-0000-4000-8000-000000000000' });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.message).toMatch(/not one of this client/);
    expect((await operator.post(`/api/v1/operator/clients/00000000-0000-4000-8000-000000000000/legal-holds`, { reason: 'Production order 12' })).status).toBe(404);
    expect((await owner.post(path, { reason: 'Production order 12' })).status).toBe(403);
    expect((await owner.post('/api/v1/operator/retention-runs', { dryRun: true })).status).toBe(403);
    expect((await operator.post('/api/v1/operator/retention-runs', { dryRun: 'yes' })).status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it('places a hold on one feedback, and notes the people an open privacy request concerns', async () => {
    const hold = await operator.post<{ id: string }>(`/api/v1/operator/clients/${client.clientId}/legal-holds`, { reason: 'Production order PO-2291', feedbackId: ids['past but on hold'] });
    expect(hold.status).toBe(201);
    const holds = await operator.get<{ scope: string; reason: string }[]>(`/api/v1/operator/clients/${client.clientId}/legal-holds`);
    expect(holds.body).toMatchObject([{ scope: 'feedback', reason: 'Production order PO-2291' }]);
    // What a privacy request's search records: this end customer is concerned by an open request.
    const dara = await row(ids['past but the person asked'] ?? '');
    const request = await sql<{ id: string }>`
      insert into privacy_requests (kind, name_enc, received_on, due_on, holiday_table_version, state, verified_at)
      values ('access', '\\x00', current_date, current_date + 28, 'test', 'in_progress', now()) returning id`.execute(hark.services.db);
    await sql`insert into privacy_request_subjects (client_id, request_id, end_customer_id) values (${client.clientId}, ${request.rows[0]?.id}, ${dara.end_customer_id})`.execute(hark.services.db);
  });

  it('reports on a dry run what it would do, and changes nothing', async () => {
    const before = await counts();
    const dry = await operator.post<{ dryRun: boolean; totals: Record<string, { anonymised: number; deleted: number }>; skipped: Record<string, number> }>('/api/v1/operator/retention-runs', { dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.dryRun).toBe(true);
    expect(dry.body.totals.feedback).toEqual({ anonymised: 1, deleted: 0 });
    expect(dry.body.totals.responses).toEqual({ anonymised: 0, deleted: 1 });
    expect(dry.body.skipped).toEqual({ legal_hold: 1, open_privacy_request: 1 });
    expect(await counts()).toEqual(before);
  });

  it('anonymises feedback a day past its period and deletes what only served it; a day inside, nothing', async () => {
    const before = await counts();
    const pastBefore = await row(ids['past the period'] ?? '');
    const run = await operator.post<{ runId: string; dryRun: boolean; totals: Record<string, { anonymised: number; deleted: number }>; skipped: Record<string, number> }>('/api/v1/operator/retention-runs', { dryRun: false });
    expect(run.status).toBe(200);
    expect(run.body.totals).toMatchObject({
      feedback: { anonymised: 1, deleted: 0 },
      responses: { anonymised: 0, deleted: 1 },
      consents: { deleted: 3 }, // contact, prize-draw terms and privacy policy
      prize_entries: { deleted: 1 },
      end_customers: { deleted: 1 },
    });
    expect(run.body.skipped).toEqual({ legal_hold: 1, open_privacy_request: 1 });

    const past = await row(ids['past the period'] ?? '');
    expect(past.comment).toBe('');
    expect(past.end_customer_id).toBeNull();
    expect(past.anonymised_at).not.toBeNull();
    expect(past.score).toBe(2);
    expect(past.location_id).toBe(pastBefore.location_id);
    // Cut to the first of its month, in the client's own calendar.
    const local = await sql<{ day: number; hour: number }>`
      select extract(day from submitted_at at time zone 'Pacific/Auckland')::int as day, extract(hour from submitted_at at time zone 'Pacific/Auckland')::int as hour
      from feedback where id = ${ids['past the period']}`.execute(hark.services.db);
    expect(local.rows[0]).toEqual({ day: 1, hour: 0 });

    for (const kept of ['inside the period', 'past but on hold', 'past but the person asked']) {
      const r = await row(ids[kept] ?? '');
      expect(r.comment).toBe(kept);
      expect(r.end_customer_id).not.toBeNull();
      expect(r.anonymised_at).toBeNull();
    }
    const after = await counts();
    expect(after.feedback).toBe(before.feedback);
    expect(after.anonymised).toBe(1);
    expect(after.end_customers).toBe((before.end_customers ?? 0) - 1);
    expect(after.responses).toBe((before.responses ?? 0) - 1);
    expect(after.prize_entries).toBe((before.prize_entries ?? 0) - 1);

    // Nothing of Aroha is left in the database's tables (her contact details went with her end customer).
    const audit = await hark.services.db.selectFrom('audit_log').select(['action', 'details', 'chain_id']).where('subject_id', '=', run.body.runId).orderBy('seq').execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['retention.applied', 'retention.run']);
    expect(audit.find((a) => a.action === 'retention.applied')).toMatchObject({ chain_id: client.clientId, details: { 'feedback.anonymised': 1, 'responses.deleted': 1, 'skipped.legal_hold': 1 } });
  });

  it('lists each run with its counts, and a second run finds nothing more to do', async () => {
    const again = await operator.post<{ totals: Record<string, unknown>; skipped: Record<string, number> }>('/api/v1/operator/retention-runs', { dryRun: false });
    expect(again.body.totals).toEqual({});
    expect(again.body.skipped).toEqual({ legal_hold: 1, open_privacy_request: 1 });
    const runs = await operator.get<{ dryRun: boolean; trigger: string; finishedAt: string | null; totals: Record<string, { anonymised: number }> }[]>('/api/v1/operator/retention-runs');
    expect(runs.status).toBe(200);
    expect(runs.body.map((r) => r.dryRun)).toEqual([false, false, true]);
    expect(runs.body.every((r) => r.trigger === 'operator' && r.finishedAt)).toBe(true);
    expect(runs.body[1]?.totals.feedback?.anonymised).toBe(1);
  });

  it('takes held feedback once its hold is released', async () => {
    const holds = await operator.get<{ id: string }[]>(`/api/v1/operator/clients/${client.clientId}/legal-holds`);
    const holdId = holds.body[0]?.id ?? '';
    expect((await operator.post(`/api/v1/operator/clients/${client.clientId}/legal-holds/${holdId}/release`)).status).toBe(200);
    expect((await operator.post(`/api/v1/operator/clients/${client.clientId}/legal-holds/${holdId}/release`)).status).toBe(409);
    const run = await operator.post<{ totals: Record<string, { anonymised: number }>; skipped: Record<string, number> }>('/api/v1/operator/retention-runs', { dryRun: false });
    expect(run.body.totals.feedback?.anonymised).toBe(1);
    expect(run.body.skipped).toEqual({ legal_hold: 0, open_privacy_request: 1 });
    expect((await row(ids['past but on hold'] ?? '')).comment).toBe('');
  });

  it('runs every day, on a schedule kept in the database', async () => {
    const schedules = await sql<{ name: string; cron: string }>`select name, cron from pgboss.schedule where name = 'retention-run'`.execute(hark.services.db);
    expect(schedules.rows).toEqual([{ name: 'retention-run', cron: '15 15 * * *' }]);
  });

  it('leaves a whole client alone while it is on hold', async () => {
    const other = await createTestClient(hark.services, { name: 'Held Café' });
    await giveFeedback(hark, `/f/${other.location.code}`, { score: '5', comment: 'held client feedback' });
    await age(await feedbackId('held client feedback'), 40, 0);
    expect((await operator.post(`/api/v1/operator/clients/${other.clientId}/legal-holds`, { reason: 'Warrant W-77 covers everything' })).status).toBe(201);
    const run = await operator.post<{ skipped: Record<string, number> }>('/api/v1/operator/retention-runs', { dryRun: false });
    expect(run.body.skipped.legal_hold).toBe(1);
    expect((await hark.services.db.selectFrom('feedback').select('comment').where('client_id', '=', other.clientId).executeTakeFirstOrThrow()).comment).toBe('held client feedback');
  });
});
