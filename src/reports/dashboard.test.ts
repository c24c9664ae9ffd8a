/**
 * GET /api/v1/dashboard over real HTTP, signed in as real people: the figures of known
 * scores (from the feedback form through the rollup job, and from rollups written
 * directly), their intervals against hand-computed ones, channels, trend buckets, the
 * ranked location and staff tables, location scope, and every refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKind } from '../../test/helpers/database.ts';
import { createTestClient, uniqueCode, type TestClient } from '../../test/helpers/factories.ts';
import { giveFeedback, openForm, postForm } from '../../test/helpers/form.ts';
import { startTestHark, type TestHark } from '../../test/helpers/hark.ts';
import { addMembership, createUser } from '../accounts/index.ts';
import type { Channel, MembershipRole } from '../db/schema.ts';
import type { ClientId } from '../db/tenancy.ts';
import { createLocation, createProgramme, createSubMeasure } from '../programmes/index.ts';
import { resolvePeriod, trendBuckets } from './dashboard.ts';
import { localDay } from './local-day.ts';
import type { Dashboard } from './schemas.ts';

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const password = 'a long and unguessable passphrase 7';

let hark: TestHark;

beforeAll(async () => {
  hark = await startTestHark({ env: { HARK_LOGIN_LIMIT_PER_IP: '1000', HARK_SUBMIT_LIMIT_PER_IP: '1000' } });
});
afterAll(() => hark?.close());

/** Signs in a new person with the given role in the client; returns their cookie header. */
async function signIn(clientId: ClientId, role: MembershipRole, locationScope: string[] | null = null): Promise<string> {
  const email = `${uniqueCode('person')}@example.com`;
  const userId = await createUser(hark.services.db, { email, name: 'Dana Test', password });
  await addMembership(hark.services.db, { clientId, userId, role, locationScope });
  const response = await hark.fetch('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(response.status).toBe(200);
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith('hark_session='));
  if (!cookie) throw new Error('no session cookie');
  return cookie;
}

async function request(cookie: string | null, query: Record<string, string>) {
  const response = await hark.fetch(`/api/v1/dashboard?${new URLSearchParams(query)}`, { headers: cookie ? { cookie } : {} });
  return { status: response.status, body: (await response.json()) as unknown };
}

async function dashboard(cookie: string, query: Record<string, string> = {}): Promise<Dashboard> {
  const { status, body } = await request(cookie, query);
  expect(status, JSON.stringify(body)).toBe(200);
  return body as Dashboard;
}

async function refusal(cookie: string | null, query: Record<string, string>) {
  const { status, body } = await request(cookie, query);
  return { status, error: (body as { error: { code: string; message: string } }).error };
}

/** Writes one rollup row as the owning role, as the rollup job would. */
async function insertRollup(
  client: TestClient,
  row: { locationId: string; subMeasureId?: string; day: string; channel: Channel; scores: Record<number, number> },
) {
  const histogram = Array.from({ length: 11 }, (_, score) => row.scores[score] ?? 0);
  await hark.services.db
    .insertInto('feedback_daily_rollups')
    .values({
      client_id: client.clientId,
      location_id: row.locationId,
      sub_measure_key: row.subMeasureId ?? NIL_UUID,
      day: row.day,
      channel: row.channel,
      responses: histogram.reduce((a, b) => a + b, 0),
      score_sum: histogram.reduce((sum, n, score) => sum + n * score, 0),
      score_histogram: histogram,
      with_comment: 0,
      contact_requested: 0,
    })
    .execute();
}

function trendOf(d: Dashboard) {
  return d.trend.map((b) => [b.start, b.end, b.responses, b.score?.value ?? null]);
}

describe('periods and trend buckets', () => {
  it('defaults to the 30 days ending today, or ending on `to`, and picks the bucket size by length', () => {
    expect(resolvePeriod({}, '2025-03-10')).toEqual({ ok: true, from: '2025-02-09', to: '2025-03-10', interval: 'day' });
    expect(resolvePeriod({ to: '2025-01-31' }, '2025-03-10')).toEqual({ ok: true, from: '2025-01-02', to: '2025-01-31', interval: 'day' });
    expect(resolvePeriod({ from: '2025-03-01' }, '2025-03-10')).toMatchObject({ from: '2025-03-01', to: '2025-03-10' });
    expect(resolvePeriod({ from: '2025-01-01', to: '2025-01-31' }, '2025-03-10')).toMatchObject({ interval: 'day' }); // 31 days
    expect(resolvePeriod({ from: '2025-01-01', to: '2025-02-01' }, '2025-03-10')).toMatchObject({ interval: 'week' }); // 32
    expect(resolvePeriod({ from: '2025-01-01', to: '2025-07-09' }, '2025-03-10')).toMatchObject({ interval: 'week' }); // 190
    expect(resolvePeriod({ from: '2025-01-01', to: '2025-07-10' }, '2025-03-10')).toMatchObject({ interval: 'month' }); // 191
    expect(resolvePeriod({ from: '2025-01-01', to: '2025-12-31', interval: 'day' }, '2025-03-10')).toMatchObject({ interval: 'day' });
  });

  it('allows 3 years to the day, leap days included', () => {
    expect(resolvePeriod({ from: '2024-02-29', to: '2027-02-28' }, '2025-03-10')).toMatchObject({ ok: true });
    expect(resolvePeriod({ from: '2024-02-29', to: '2027-03-01' }, '2025-03-10')).toEqual({
      ok: false,
      message: "The period may cover at most 3 years: from 2024-02-29, choose a 'to' on or before 2027-02-28.",
    });
  });

  it('cuts weeks (Monday to Sunday) and months at the ends of the period', () => {
    expect(trendBuckets('2024-12-30', '2025-01-12', 'week')).toEqual([
      { start: '2024-12-30', end: '2025-01-05' },
      { start: '2025-01-06', end: '2025-01-12' },
    ]);
    expect(trendBuckets('2024-12-31', '2025-01-06', 'week')).toEqual([
      { start: '2024-12-31', end: '2025-01-05' },
      { start: '2025-01-06', end: '2025-01-06' },
    ]);
    expect(trendBuckets('2024-02-10', '2024-03-05', 'month')).toEqual([
      { start: '2024-02-10', end: '2024-02-29' },
      { start: '2024-03-01', end: '2024-03-05' },
    ]);
    expect(trendBuckets('2025-03-30', '2025-04-02', 'day').map((b) => b.start)).toEqual(['2025-03-30', '2025-03-31', '2025-04-01', '2025-04-02']);
  });
});

describe(`dashboard from the feedback form (${testDatabaseKind})`, () => {
  it('counts what customers gave, on a 5-point scale, for the last 30 days by default', async () => {
    const client = await createTestClient(hark.services, { scale: 'recommend_5' });
    const main = `/f/${client.location.code}`;
    for (const score of ['5', '5', '4', '3']) expect((await giveFeedback(hark, main, { score })).status).toBe(200);
    const qrForm = await openForm(hark, `${main}?via=qr`);
    expect((await postForm(hark, main, { token: qrForm.token, via: 'qr', score: '5' })).status).toBe(200);
    for (const score of ['4', '2']) expect((await giveFeedback(hark, `${main}/${client.subMeasure.code}`, { score })).status).toBe(200);
    expect((await giveFeedback(hark, `/f/${client.otherLocation.code}`, { score: '1' })).status).toBe(200);
    expect(await hark.services.jobs.drained('update-daily-rollups', 15_000)).toBe(true);

    const d = await dashboard(await signIn(client.clientId, 'owner'));
    const today = localDay(new Date(), 'Pacific/Auckland');
    expect(d).toMatchObject({ scale: 'recommend_5', scoreKind: 'mean', period: { to: today }, interval: 'day', responses: 8 });
    expect(d.trend).toHaveLength(30);
    expect(d.period.from).toBe(d.trend[0]?.start);
    // Scores 5,5,5,4,4,3,2,1: mean 3.625; s² = (15.875 + 2)/8, t(0.975, 7) = 2.3646 → 2.375 to 4.875.
    expect(d.score).toEqual({ value: 3.63, low: 2.38, high: 4.87 });
    // Top two scores: 5 of 8 = 62.5%, Wilson 30.57% to 86.32%.
    expect(d.topBox).toEqual({ value: 62.5, low: 30.6, high: 86.3 });
    expect(d.channels).toEqual([
      { channel: 'sms', responses: 0 },
      { channel: 'web', responses: 7 },
      { channel: 'qr', responses: 1 },
      { channel: 'kiosk', responses: 0 },
      { channel: 'api', responses: 0 },
      { channel: 'email', responses: 0 },
    ]);
    expect(d.textVsOnline).toEqual({ text: 0, online: 8 });
    expect(d.trend.at(-1)).toEqual({ start: today, end: today, responses: 8, score: d.score });
    expect(d.trend.slice(0, -1).every((b) => b.responses === 0 && b.score === null && b.start === b.end)).toBe(true);
    // Main Street (its staff included): 5,5,5,4,4,3,2 → mean 4, t(0.975, 6) → 2.89 to 5 (the
    // top of the scale). Harbour: one answer, interval the whole scale. The region: nothing.
    expect(d.locations.map((l) => [l.name, l.responses, l.score])).toEqual([
      ['Main Street', 7, { value: 4, low: 2.89, high: 5 }],
      ['Harbour', 1, { value: 1, low: 1, high: 5 }],
      ['North region', 0, null],
    ]);
    // Kiri: 4 and 2 → mean 3, s² = (2 + 2)/2, t(0.975, 1) = 12.7 → the whole scale.
    expect(d.subMeasures).toEqual([
      { id: client.subMeasure.id, name: 'Kiri', locationId: client.location.id, locationName: 'Main Street', responses: 2, score: { value: 3, low: 1, high: 5 } },
    ]);
    expect(d.ranking).toContain('lower bound of the 95% confidence interval');
  });

  it("ends the default period on today in the client's own timezone", async () => {
    for (const timezone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      const client = await createTestClient(hark.services, { timezone });
      const d = await dashboard(await signIn(client.clientId, 'viewer'));
      const today = localDay(new Date(), timezone);
      expect(d.period.to).toBe(today);
      expect(d.trend.map((b) => b.start)).toHaveLength(30);
      expect(d.responses).toBe(0);
      expect(d.score).toBeNull();
      expect(d.topBox).toBeNull();
    }
  });
});

describe(`dashboard from rollups (${testDatabaseKind})`, () => {
  let client: TestClient;
  let owner: string;
  const march = { from: '2025-03-01', to: '2025-03-31' };

  beforeAll(async () => {
    client = await createTestClient(hark.services, { scale: 'nps_10' });
    owner = await signIn(client.clientId, 'owner');
    const main = client.location.id;
    const harbour = client.otherLocation.id;
    await insertRollup(client, { locationId: main, day: '2025-03-03', channel: 'web', scores: { 10: 3, 9: 2, 8: 1, 6: 1 } });
    await insertRollup(client, { locationId: main, day: '2025-03-03', channel: 'sms', scores: { 10: 2, 7: 2, 3: 2 } });
    await insertRollup(client, { locationId: main, subMeasureId: client.subMeasure.id, day: '2025-03-17', channel: 'sms', scores: { 9: 2, 8: 1, 6: 2, 0: 1 } });
    await insertRollup(client, { locationId: harbour, day: '2025-03-31', channel: 'kiosk', scores: { 10: 1 } });
    // Outside March: must not count in it.
    await insertRollup(client, { locationId: main, day: '2025-02-28', channel: 'web', scores: { 0: 5 } });
    await insertRollup(client, { locationId: harbour, day: '2025-04-01', channel: 'web', scores: { 0: 5 } });
  });

  it('gives NPS with its interval, the channel split and the ranked tables', async () => {
    const d = await dashboard(owner, march);
    expect(d).toMatchObject({ scale: 'nps_10', scoreKind: 'nps', period: march, interval: 'day', responses: 20, topBox: null });
    // 10 promoters, 4 passives, 6 detractors: NPS 20. Adjusted Wald: n' = 23, p₊ = 10.75/23,
    // p₋ = 6.75/23 → 17.39 ± 1.96·√((p₊ + p₋ − (p₊ − p₋)²)/23) = −17.54 to 52.32.
    expect(d.score).toEqual({ value: 20, low: -17.5, high: 52.3 });
    expect(d.channels.filter((c) => c.responses > 0)).toEqual([
      { channel: 'sms', responses: 12 },
      { channel: 'web', responses: 7 },
      { channel: 'kiosk', responses: 1 },
    ]);
    expect(d.textVsOnline).toEqual({ text: 12, online: 8 });
    // Main Street: 9 promoters, 4 passives, 6 detractors → 15.79 (−22.10 to 49.37); Harbour:
    // one promoter → 100, but its interval is the whole scale, so it ranks below.
    expect(d.locations.map((l) => [l.name, l.responses, l.score])).toEqual([
      ['Main Street', 19, { value: 15.8, low: -22.1, high: 49.4 }],
      ['Harbour', 1, { value: 100, low: -100, high: 100 }],
      ['North region', 0, null],
    ]);
    // Kiri: 2 promoters, 1 passive, 3 detractors → −16.67 (−66.16 to 43.93).
    expect(d.subMeasures.map((s) => [s.name, s.locationName, s.responses, s.score])).toEqual([
      ['Kiri', 'Main Street', 6, { value: -16.7, low: -66.2, high: 43.9 }],
    ]);
  });

  it('has a bucket for every day, empty ones included', async () => {
    const d = await dashboard(owner, march);
    expect(d.trend).toHaveLength(31);
    const filled = d.trend.filter((b) => b.responses > 0);
    expect(filled).toEqual([
      // 7 promoters, 3 passives, 3 detractors → 30.77 (−14.69 to 64.69).
      { start: '2025-03-03', end: '2025-03-03', responses: 13, score: { value: 30.8, low: -14.7, high: 64.7 } },
      { start: '2025-03-17', end: '2025-03-17', responses: 6, score: { value: -16.7, low: -66.2, high: 43.9 } },
      { start: '2025-03-31', end: '2025-03-31', responses: 1, score: { value: 100, low: -100, high: 100 } },
    ]);
  });

  it('buckets by Monday-to-Sunday week and by month, partial ends included', async () => {
    const weeks = await dashboard(owner, { ...march, interval: 'week' });
    expect(weeks.interval).toBe('week');
    expect(trendOf(weeks)).toEqual([
      ['2025-03-01', '2025-03-02', 0, null], // 1 March 2025 is a Saturday
      ['2025-03-03', '2025-03-09', 13, 30.8],
      ['2025-03-10', '2025-03-16', 0, null],
      ['2025-03-17', '2025-03-23', 6, -16.7],
      ['2025-03-24', '2025-03-30', 0, null],
      ['2025-03-31', '2025-03-31', 1, 100],
    ]);
    const months = await dashboard(owner, { from: '2025-01-15', to: '2025-04-10', interval: 'month' });
    expect(months.responses).toBe(30);
    expect(trendOf(months)).toEqual([
      ['2025-01-15', '2025-01-31', 0, null],
      ['2025-02-01', '2025-02-28', 5, -100],
      ['2025-03-01', '2025-03-31', 20, 20],
      ['2025-04-01', '2025-04-10', 5, -100],
    ]);
  });

  it('chooses days up to 31 days, weeks up to 190, months beyond', async () => {
    expect((await dashboard(owner, march)).interval).toBe('day');
    const quarter = await dashboard(owner, { from: '2025-01-01', to: '2025-03-31' });
    expect(quarter.interval).toBe('week');
    expect(quarter.trend[0]).toMatchObject({ start: '2025-01-01', end: '2025-01-05' });
    expect(quarter.trend).toHaveLength(14);
    const year = await dashboard(owner, { from: '2025-01-01', to: '2025-12-31' });
    expect(year.interval).toBe('month');
    expect(year.trend.map((b) => b.start)).toEqual(Array.from({ length: 12 }, (_, m) => `2025-${String(m + 1).padStart(2, '0')}-01`));
    const threeYears = await dashboard(owner, { from: '2023-01-01', to: '2025-12-31' });
    expect(threeYears.trend).toHaveLength(36);
    expect(threeYears.responses).toBe(30);
  });

  it('narrows to a location and everything below it', async () => {
    const region = await hark.services.db
      .selectFrom('locations')
      .select('parent_id')
      .where('client_id', '=', client.clientId)
      .where('id', '=', client.location.id)
      .executeTakeFirstOrThrow();
    const all = await dashboard(owner, { ...march, locationId: region.parent_id ?? '' });
    expect(all.responses).toBe(20);
    expect(all.locations).toHaveLength(3);
    const harbour = await dashboard(owner, { ...march, locationId: client.otherLocation.id });
    expect(harbour).toMatchObject({ responses: 1, score: { value: 100, low: -100, high: 100 }, textVsOnline: { text: 0, online: 1 }, subMeasures: [] });
    expect(harbour.locations.map((l) => l.name)).toEqual(['Harbour']);
  });

  it("shows a manager only their locations' figures, and not other locations", async () => {
    const manager = await signIn(client.clientId, 'manager', [client.otherLocation.id]);
    const d = await dashboard(manager, march);
    expect(d).toMatchObject({ responses: 1, score: { value: 100, low: -100, high: 100 }, subMeasures: [] });
    expect(d.locations.map((l) => l.name)).toEqual(['Harbour']);
    expect(d.channels.filter((c) => c.responses > 0)).toEqual([{ channel: 'kiosk', responses: 1 }]);
    expect(d.trend.filter((b) => b.responses > 0).map((b) => b.start)).toEqual(['2025-03-31']);
    expect(await refusal(manager, { ...march, locationId: client.location.id })).toMatchObject({ status: 404, error: { code: 'not_found' } });
  });

  it('lets a viewer read, scoped or not', async () => {
    const viewer = await signIn(client.clientId, 'viewer');
    expect((await dashboard(viewer, march)).score).toEqual({ value: 20, low: -17.5, high: 52.3 });
    const scoped = await signIn(client.clientId, 'viewer', [client.location.id]);
    const d = await dashboard(scoped, march);
    expect(d.responses).toBe(19);
    expect(d.subMeasures.map((s) => s.name)).toEqual(['Kiri']);
  });

  it('refuses without a session, and answers 404 for another client’s location or an unknown programme', async () => {
    expect(await refusal(null, march)).toMatchObject({ status: 401, error: { code: 'unauthenticated' } });
    const other = await createTestClient(hark.services);
    expect(await refusal(owner, { ...march, locationId: other.location.id })).toMatchObject({
      status: 404,
      error: { code: 'not_found', message: expect.stringContaining('no location with this id') as string },
    });
    expect(await refusal(owner, { ...march, programmeId: other.programmeId })).toMatchObject({ status: 404, error: { code: 'not_found' } });
  });

  it('refuses bad periods and parameters with a message that says what to fix', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ from: '2025/03/01' }, 'The request is not valid: /from must be a date written YYYY-MM-DD, e.g. 2025-03-31'],
      [{ to: '2025-02-30' }, 'The request is not valid: /to is not a day of the calendar'],
      [{ from: '2025-03-10', to: '2025-03-01' }, 'The period starts (from 2025-03-10) after it ends (to 2025-03-01)'],
      [{ from: '2022-03-01', to: '2025-03-01' }, "at most 3 years: from 2022-03-01, choose a 'to' on or before 2025-02-28"],
      [{ from: '2015-01-01' }, 'at most 3 years'],
      [{ interval: 'year' }, '/interval must be day, week or month'],
      [{ locationId: 'main-street' }, '/locationId must be a location id'],
    ];
    for (const [query, message] of cases) {
      const { status, error } = await refusal(owner, query);
      expect(status, JSON.stringify(query)).toBe(400);
      expect(error.code).toBe('validation_failed');
      expect(error.message).toContain(message);
    }
    const format = await refusal(owner, { from: '2025/03/01' });
    expect(format.error.message).toBe('The request is not valid: /from must be a date written YYYY-MM-DD, e.g. 2025-03-31');
    // The longest period allowed: 3 years to the day (only February's rollup falls in it).
    expect((await dashboard(owner, { from: '2022-03-01', to: '2025-02-28' })).responses).toBe(5);
  });
});

describe('the API document', () => {
  it('describes the dashboard, its parameters and its figures', async () => {
    const doc = (await (await hark.fetch('/api/v1/openapi.json')).json()) as {
      paths: Record<string, { get?: { parameters?: { name: string; description?: string }[]; responses: Record<string, unknown> } }>;
    };
    const get = doc.paths['/api/v1/dashboard']?.get;
    expect(get?.parameters?.map((p) => p.name).sort()).toEqual(['from', 'interval', 'locationId', 'programmeId', 'to']);
    expect(get?.parameters?.every((p) => p.description)).toBe(true);
    expect(JSON.stringify(get?.responses['200'])).toContain('95% confidence interval');
  });
});

describe(`ranked tables with many responses (${testDatabaseKind})`, () => {
  it('ranks 200 answers averaging 4.8 above two perfect scores', async () => {
    const client = await createTestClient(hark.services, { scale: 'csat_5' });
    const aroha = await createSubMeasure(hark.services.db, client.clientId, { locationId: client.location.id, name: 'Aroha', code: 'aroha' });
    const wiremu = await createSubMeasure(hark.services.db, client.clientId, { locationId: client.otherLocation.id, name: 'Wiremu', code: 'wiremu' });
    await insertRollup(client, { locationId: client.location.id, subMeasureId: aroha.id, day: '2025-06-02', channel: 'web', scores: { 5: 2 } });
    await insertRollup(client, { locationId: client.otherLocation.id, subMeasureId: wiremu.id, day: '2025-06-03', channel: 'sms', scores: { 5: 100, 4: 25 } });
    await insertRollup(client, { locationId: client.otherLocation.id, subMeasureId: wiremu.id, day: '2025-06-04', channel: 'web', scores: { 5: 60, 4: 15 } });
    const d = await dashboard(await signIn(client.clientId, 'admin'), { from: '2025-06-01', to: '2025-06-30' });
    // Wiremu: 160 × 5 and 40 × 4 → 4.8, s² = (32 + 2)/200, t(0.975, 199) = 1.972 → 4.74 to 4.86.
    // Aroha: two 5s → 5, but s² = (0 + 2)/2 and t(0.975, 1) = 12.7 → the whole scale. Kiri: none.
    expect(d.subMeasures.map((s) => [s.name, s.locationName, s.responses, s.score])).toEqual([
      ['Wiremu', 'Harbour', 200, { value: 4.8, low: 4.74, high: 4.86 }],
      ['Aroha', 'Main Street', 2, { value: 5, low: 1, high: 5 }],
      ['Kiri', 'Main Street', 0, null],
    ]);
    expect(d.locations.map((l) => l.name)).toEqual(['Harbour', 'Main Street', 'North region']);
    // All 202 answers are 4 or 5: 100%, Wilson 202/(202 + 1.96²) = 98.1% to 100%.
    expect(d.topBox).toEqual({ value: 100, low: 98.1, high: 100 });
    expect(d.textVsOnline).toEqual({ text: 125, online: 77 });
  });
});

describe(`clients with more than one programme (${testDatabaseKind})`, () => {
  it('reports the programme with the most locations, or the one asked for', async () => {
    const client = await createTestClient(hark.services, { scale: 'stars_5' });
    const nps = await createProgramme(hark.services.db, client.clientId, {
      name: 'Online shop',
      scale: 'nps_10',
      leadQuestion: 'How likely are you to recommend our shop?',
      followUpQuestion: 'Why?',
    });
    const shop = await createLocation(hark.services.db, client.clientId, { programmeId: nps.id, name: 'Web shop', code: uniqueCode('shop') });
    await insertRollup(client, { locationId: shop.id, day: '2025-05-05', channel: 'api', scores: { 10: 3, 2: 1 } });
    await insertRollup(client, { locationId: client.location.id, day: '2025-05-05', channel: 'web', scores: { 4: 2 } });
    const owner = await signIn(client.clientId, 'owner');
    const period = { from: '2025-05-01', to: '2025-05-31' };

    const stars = await dashboard(owner, period);
    expect(stars).toMatchObject({ programme: { id: client.programmeId, name: 'Feedback' }, scale: 'stars_5', scoreKind: 'mean', responses: 2 });
    expect(stars.locations.map((l) => l.name)).not.toContain('Web shop');

    const online = await dashboard(owner, { ...period, programmeId: nps.id });
    expect(online).toMatchObject({ programme: { id: nps.id, name: 'Online shop' }, scale: 'nps_10', scoreKind: 'nps', responses: 4 });
    expect(online.score?.value).toBe(50);
    expect(online.locations.map((l) => l.name)).toEqual(['Web shop']);

    const byLocation = await dashboard(owner, { ...period, locationId: shop.id });
    expect(byLocation.programme.id).toBe(nps.id);
  });
});
