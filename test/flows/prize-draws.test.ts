/**
 * Prize draws through HTTP: a commitment as soon as the period's draw exists, one entry per
 * person whatever their number of submissions, no run before the period closes, a run that
 * anyone can check on the public page (and that disagrees once an entry or the seed is
 * changed), a winner found ineligible replaced by the next round (recorded), winners told by
 * email through a real SMTP server, and entrants' details purged when the terms say.
 * Periods are moved by setting dates on the rows, not by faking the clock.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeDueDraws, verifyStoredDraw } from '../../src/prizes/service.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, type PortalClient } from '../helpers/portal.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';

interface Draw {
  id: string;
  status: string;
  commitment: string;
  entrants: number;
  closed: boolean;
  publicUrl: string;
}

interface Winner {
  round: number;
  token: string;
  status: string;
  notifiedBy: string | null;
  contact: { name: string | null; email: string | null } | null;
}

describe(`prize draws (${testDatabaseKind})`, () => {
  let smtp: TestSmtpServer;
  let hark: TestHark;
  let client: TestClient;
  let owner: PortalClient;
  let viewer: PortalClient;
  let draw: Draw;

  const enter = (name: string, email: string, comment: string) =>
    giveFeedback(hark, `/f/${client.location.code}`, { score: '5', comment, name, email, prize_draw: 'yes', accept_terms: 'yes', accept_privacy: 'yes' });

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    hark = await startTestHark({ env: { SMTP_URL: smtp.url } });
    client = await createTestClient(hark.services, { prizeDraw: true, name: 'Lucky Café' });
    owner = await signIn(hark, await createTestUser(hark.services, client.clientId, 'owner'));
    viewer = await signIn(hark, await createTestUser(hark.services, client.clientId, 'viewer'));
  });
  afterAll(async () => {
    await hark?.close();
    await smtp?.close();
  });

  it('publishes a commitment for the current period as soon as the draw exists', async () => {
    const settings = await owner.put(`/api/v1/prize-draws/settings/${client.programmeId}`, { period: 'month', winners: 1, purgeAfterDays: 30, prize: 'a $50 voucher' });
    expect(settings.status).toBe(200);
    const draws = await owner.get<Draw[]>('/api/v1/prize-draws');
    expect(draws.status).toBe(200);
    expect(draws.body).toHaveLength(1);
    draw = draws.body[0] as Draw;
    expect(draw).toMatchObject({ status: 'open', entrants: 0, closed: false });
    expect(draw.commitment).toMatch(/^[0-9a-f]{64}$/);
    const page = await hark.fetch(`/draws/${draw.id}`);
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain(draw.commitment);
    expect(body).toContain('This draw is open');
  });

  it('refuses bad settings with a message, and changes nothing', async () => {
    const bad = await owner.put<{ error: { message: string } }>(`/api/v1/prize-draws/settings/${client.programmeId}`, { period: 'fortnight', winners: 0, purgeAfterDays: 30, prize: '' });
    expect(bad.status).toBe(400);
    expect((await viewer.put(`/api/v1/prize-draws/settings/${client.programmeId}`, { period: 'week', winners: 1, purgeAfterDays: 30, prize: '' })).status).toBe(403);
    expect((await owner.put(`/api/v1/prize-draws/settings/00000000-0000-4000-8000-000000000000`, { period: 'week', winners: 1, purgeAfterDays: 30, prize: '' })).status).toBe(404);
    const kept = await owner.get<{ period: string; prize: string }>(`/api/v1/prize-draws/settings/${client.programmeId}`);
    expect(kept.body).toMatchObject({ period: 'month', prize: 'a $50 voucher' });
  });

  it('counts one entry per person, whatever their number of submissions', async () => {
    await enter('Aroha', 'aroha@example.com', 'first visit');
    await enter('Aroha', 'AROHA@example.com', 'second visit');
    await enter('Ben', 'ben@example.com', 'lovely');
    await enter('Cleo', 'cleo@example.com', 'great coffee');
    const draws = await owner.get<Draw[]>('/api/v1/prize-draws');
    expect(draws.body[0]?.entrants).toBe(3);
  });

  it('will not run before the period has closed', async () => {
    const early = await owner.post<{ error: { message: string } }>(`/api/v1/prize-draws/${draw.id}/run`);
    expect(early.status).toBe(409);
    expect(early.body.error.message).toMatch(/not closed/);
    expect((await viewer.post(`/api/v1/prize-draws/${draw.id}/run`)).status).toBe(403);
    expect((await owner.post(`/api/v1/prize-draws/not-a-uuid/run`)).status).toBe(400);
    // Nothing to tell and no entry list to publish while the draw is open.
    expect((await owner.post(`/api/v1/prize-draws/${draw.id}/notify`)).status).toBe(404);
    expect((await hark.fetch(`/draws/${draw.id}/entries.txt`)).status).toBe(409);
    expect((await owner.post(`/api/v1/prize-draws/${draw.id}/winners/1/ineligible`, { reason: 'Not drawn yet' })).status).toBe(409);
  });

  it('runs once the period has closed, and anyone can check it', async () => {
    // The period is over: it ran from 40 days ago to yesterday, and the entries fall in it.
    await sql`update prize_draws set period_start = current_date - 40, period_end = current_date - 1 where id = ${draw.id}`.execute(hark.services.db);
    await sql`update prize_entries set entered_at = now() - interval '20 days' where client_id = ${client.clientId}`.execute(hark.services.db);
    const run = await owner.post<{ entrants: number; winners: number }>(`/api/v1/prize-draws/${draw.id}/run`);
    expect(run.status).toBe(200);
    expect(run.body).toEqual({ entrants: 3, winners: 1 });
    expect((await owner.post(`/api/v1/prize-draws/${draw.id}/run`)).status).toBe(409);

    const page = await (await hark.fetch(`/draws/${draw.id}`)).text();
    const seed = /Seed[^<]*<\/dt><dd><code>([0-9a-f]{64})<\/code>/.exec(page)?.[1] ?? '';
    expect(createHash('sha256').update(Buffer.from(seed, 'hex')).digest('hex')).toBe(draw.commitment);
    const entries = await (await hark.fetch(`/draws/${draw.id}/entries.txt`)).text();
    const tokens = entries.trim().split('\n');
    expect(tokens).toHaveLength(3);
    expect([...tokens].sort()).toEqual(tokens);
    expect(page).toContain(createHash('sha256').update(tokens.join('\n')).digest('hex'));
    expect(page).not.toMatch(/aroha|ben@|cleo/i);
    expect(await verifyStoredDraw(hark.services, draw.id)).toMatchObject({ found: true, open: false, result: { ok: true } });
  });

  it('disagrees when one entry or the seed is changed', async () => {
    const [first] = await hark.services.db.selectFrom('prize_draw_entrants').select(['position', 'token']).where('draw_id', '=', draw.id).orderBy('position').execute();
    await sql`update prize_draw_entrants set token = ${'0'.repeat(32)} where draw_id = ${draw.id} and position = ${first?.position}`.execute(hark.services.db);
    const tampered = await verifyStoredDraw(hark.services, draw.id);
    expect(tampered).toMatchObject({ found: true, open: false, result: { ok: false } });
    await sql`update prize_draw_entrants set token = ${first?.token} where draw_id = ${draw.id} and position = ${first?.position}`.execute(hark.services.db);
    const { seed } = await hark.services.db.selectFrom('prize_draws').select('seed').where('id', '=', draw.id).executeTakeFirstOrThrow();
    const other = Buffer.from(seed as Buffer);
    other[5] = (other[5] ?? 0) ^ 0xff;
    await sql`update prize_draws set seed = ${other} where id = ${draw.id}`.execute(hark.services.db);
    const seedChanged = await verifyStoredDraw(hark.services, draw.id);
    expect(seedChanged.found && !seedChanged.open && !seedChanged.result.ok && seedChanged.result.problems[0]).toMatch(/commitment/);
    await sql`update prize_draws set seed = ${seed} where id = ${draw.id}`.execute(hark.services.db);
    expect(await verifyStoredDraw(hark.services, draw.id)).toMatchObject({ result: { ok: true } });
  });

  it('replaces an ineligible winner by the next round, on the record, and the draw still checks out', async () => {
    const before = await owner.get<Winner[]>(`/api/v1/prize-draws/${draw.id}/winners`);
    expect(before.body).toHaveLength(1);
    expect(before.body[0]?.contact?.email).toMatch(/@example\.com$/);
    expect((await viewer.get<Winner[]>(`/api/v1/prize-draws/${draw.id}/winners`)).body[0]?.contact).toBeNull();
    const short = await owner.post<{ error: { message: string } }>(`/api/v1/prize-draws/${draw.id}/winners/1/ineligible`, { reason: 'no' });
    expect(short.status).toBe(400);
    const redraw = await owner.post<{ replacement: string }>(`/api/v1/prize-draws/${draw.id}/winners/1/ineligible`, { reason: 'Works at the café' });
    expect(redraw.status).toBe(200);
    expect(redraw.body.replacement).toMatch(/^[0-9a-f]{32}$/);
    expect(redraw.body.replacement).not.toBe(before.body[0]?.token);
    expect((await owner.post(`/api/v1/prize-draws/${draw.id}/winners/1/ineligible`, { reason: 'Works at the café' })).status).toBe(409);
    const after = await owner.get<Winner[]>(`/api/v1/prize-draws/${draw.id}/winners`);
    expect(after.body.map((w) => [w.round, w.status])).toEqual([
      [1, 'ineligible'],
      [2, 'selected'],
    ]);
    const audit = await hark.services.db.selectFrom('audit_log').select(['action', 'details']).where('subject_id', '=', draw.id).orderBy('seq').execute();
    expect(audit.map((a) => a.action)).toEqual(['prize_draw.drawn', 'prize_draw.winner_ineligible']);
    expect(await verifyStoredDraw(hark.services, draw.id)).toMatchObject({ result: { ok: true } });
    expect(await (await hark.fetch(`/draws/${draw.id}`)).text()).toContain('found ineligible');
  });

  it('tells the winner by email, once', async () => {
    const winners = await owner.get<Winner[]>(`/api/v1/prize-draws/${draw.id}/winners`);
    const winner = winners.body.find((w) => w.status === 'selected');
    const notified = await owner.post<{ notified: number }>(`/api/v1/prize-draws/${draw.id}/notify`);
    expect(notified.body).toEqual({ notified: 1, unreachable: 0 });
    const mail = await smtp.waitForMail(winner?.contact?.email ?? '');
    expect(mail.subject).toBe('You won a $50 voucher from Lucky Café');
    expect(mail.text).toContain(`/draws/${draw.id}`);
    expect((await owner.post<{ notified: number }>(`/api/v1/prize-draws/${draw.id}/notify`)).body.notified).toBe(0);
  });

  it('purges entrants’ details when the terms say, and records it', async () => {
    expect(await purgeDueDraws(hark.services)).toBe(0);
    await sql`update prize_draws set drawn_at = now() - interval '31 days' where id = ${draw.id}`.execute(hark.services.db);
    expect(await purgeDueDraws(hark.services)).toBe(1);
    const entries = await hark.services.db.selectFrom('prize_entries').select('id').where('client_id', '=', client.clientId).execute();
    expect(entries).toEqual([]);
    const people = await hark.services.db.selectFrom('end_customers').select(['email_enc', 'name_enc']).where('client_id', '=', client.clientId).execute();
    expect(people.every((p) => p.email_enc === null && p.name_enc === null)).toBe(true);
    const audit = await hark.services.db.selectFrom('audit_log').select(['action', 'details']).where('subject_id', '=', draw.id).where('action', '=', 'prize_draw.purged').executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ prize_entries_deleted: 4, contacts_wiped: 3 });
    // The draw stays checkable: the list of tokens and the seed are public and kept.
    expect(await verifyStoredDraw(hark.services, draw.id)).toMatchObject({ result: { ok: true } });
    expect((await owner.get<Draw[]>('/api/v1/prize-draws')).body.find((d) => d.id === draw.id)?.status).toBe('purged');
  });

  it('answers an unknown draw with 404 on the public page', async () => {
    expect((await hark.fetch('/draws/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await hark.fetch('/draws/nonsense')).status).toBe(404);
  });
});
