/**
 * GET /api/v1/rankings and GET /api/v1/dashboard/change over real HTTP, signed in as real
 * people: fair ranking (two perfect scores do not beat 200 averaging 4.8, on 5-point and
 * 0–10 scales), the shrinkage figures against a hand computation, significance of changes,
 * location scope, and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKind } from '../../test/helpers/database.ts';
import { createTestClient, uniqueCode, type TestClient } from '../../test/helpers/factories.ts';
import { startTestHark, type TestHark } from '../../test/helpers/hark.ts';
import { createTestUser, signIn, type PortalClient } from '../../test/helpers/portal.ts';
import { insertRollup } from '../../test/helpers/rollups.ts';
import type { MembershipRole } from '../db/schema.ts';
import { createLocation, createSubMeasure } from '../programmes/index.ts';
import type { Rankings, ScoreChange } from './ranking-schemas.ts';

let hark: TestHark;

beforeAll(async () => {
  hark = await startTestHark({ env: { HARK_LOGIN_LIMIT_PER_IP: '1000' } });
});
afterAll(() => hark?.close());

async function personOf(client: TestClient, role: MembershipRole, locationScope: string[] | null = null): Promise<PortalClient> {
  return signIn(hark, await createTestUser(hark.services, client.clientId, role, { locationScope }));
}

async function rankings(person: PortalClient, query: Record<string, string>): Promise<Rankings> {
  const response = await person.get<Rankings>(`/api/v1/rankings?${new URLSearchParams(query)}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

const march = { from: '2025-03-01', to: '2025-03-31' };

describe(`fair rankings (${testDatabaseKind})`, () => {
  it('ranks a staff member with 200 scores averaging 4.8 above one with two perfect scores (5-point scale)', async () => {
    const client = await createTestClient(hark.services, { scale: 'recommend_5' });
    const aroha = await createSubMeasure(hark.services.db, client.clientId, { locationId: client.location.id, name: 'Aroha', code: 'aroha' });
    const ben = await createSubMeasure(hark.services.db, client.clientId, { locationId: client.otherLocation.id, name: 'Ben', code: 'ben' });
    await insertRollup(hark.services, client.clientId, { locationId: client.location.id, subMeasureId: aroha.id, day: '2025-03-10', scores: { 5: 2 } });
    await insertRollup(hark.services, client.clientId, { locationId: client.otherLocation.id, subMeasureId: ben.id, day: '2025-03-12', scores: { 5: 160, 4: 40 } });

    const table = await rankings(await personOf(client, 'owner'), { by: 'staff', ...march });
    expect(table.rule).toBe('shrunk');
    expect(table.ranking).toMatch(/shrunk towards the mean/);
    expect(table.scoreKind).toBe('mean');
    expect(table.rows.map((r) => [r.rank, r.name, r.responses])).toEqual([
      [1, 'Ben', 200],
      [2, 'Aroha', 2],
      [null, client.subMeasure.name, 0], // no responses: listed last, unranked
    ]);
    const [first, second, last] = table.rows;
    expect(first?.score?.value).toBe(4.8);
    expect(first?.score?.low).toBeLessThan(4.8);
    expect(first?.score?.high).toBeGreaterThan(4.8);
    expect(second?.score?.value).toBe(5);
    expect(second?.score?.low).toBeLessThan(first?.score?.low ?? 0); // two answers: a wide interval
    expect(first?.locationName).toBe('Harbour');
    expect(last?.score).toBeNull();
    expect(last?.shrunk).toBeNull();
    // Both shrink to (nearly) the pooled mean 970/202: the units differ no more than chance would make them.
    expect(second?.shrunk).toBeCloseTo(4.8, 1);
    expect(table.shrinkage.mean).toBeCloseTo(970 / 202, 2);

    // By the lower bound too, B ranks first.
    const byLowerBound = await rankings(await personOf(client, 'owner'), { by: 'staff', rule: 'lower_bound', ...march });
    expect(byLowerBound.rows.map((r) => r.name).slice(0, 2)).toEqual(['Ben', 'Aroha']);
    expect(byLowerBound.ranking).toMatch(/lower bound/);
  });

  it('ranks the same way on the 0–10 (NPS) scale', async () => {
    const client = await createTestClient(hark.services, { scale: 'nps_10' });
    const aroha = await createSubMeasure(hark.services.db, client.clientId, { locationId: client.location.id, name: 'Aroha', code: 'aroha' });
    const ben = await createSubMeasure(hark.services.db, client.clientId, { locationId: client.location.id, name: 'Ben', code: 'ben' });
    await insertRollup(hark.services, client.clientId, { locationId: client.location.id, subMeasureId: aroha.id, day: '2025-03-10', scores: { 10: 2 } });
    await insertRollup(hark.services, client.clientId, { locationId: client.location.id, subMeasureId: ben.id, day: '2025-03-11', scores: { 10: 170, 8: 20, 3: 10 } });
    const table = await rankings(await personOf(client, 'admin'), { by: 'staff', ...march });
    expect(table.scoreKind).toBe('nps');
    expect(table.rows.slice(0, 2).map((r) => [r.rank, r.name, r.score?.value, r.responses])).toEqual([
      [1, 'Ben', 80, 200],
      [2, 'Aroha', 100, 2],
    ]);
  });

  it('shrinks small samples more than large ones, by the documented method-of-moments formula', async () => {
    const client = await createTestClient(hark.services, { scale: 'recommend_5' });
    const high = await createLocation(hark.services.db, client.clientId, { programmeId: client.programmeId, name: 'Hilltop', code: uniqueCode('hill') });
    const tiny = await createLocation(hark.services.db, client.clientId, { programmeId: client.programmeId, name: 'Tiny kiosk', code: uniqueCode('tiny') });
    // Main Street: 100 × mean 4.0; Harbour: 100 × mean 4.2; Hilltop: 100 × mean 4.4; Tiny kiosk: 2 fives.
    await insertRollup(hark.services, client.clientId, { locationId: client.location.id, day: '2025-03-05', scores: { 3: 25, 4: 50, 5: 25 } });
    await insertRollup(hark.services, client.clientId, { locationId: client.otherLocation.id, day: '2025-03-05', scores: { 4: 80, 5: 20 } });
    await insertRollup(hark.services, client.clientId, { locationId: high.id, day: '2025-03-05', scores: { 4: 60, 5: 40 } });
    await insertRollup(hark.services, client.clientId, { locationId: tiny.id, day: '2025-03-05', scores: { 5: 2 } });
    const table = await rankings(await personOf(client, 'owner'), { by: 'location', ...march });

    // The same formula, written out by hand for these four units (ss: Σ(x − mean)²; 2 is the prior variance of a 1–5 scale).
    const units = [
      { n: 100, mean: 4, ss: 50 },
      { n: 100, mean: 4.2, ss: 16 },
      { n: 100, mean: 4.4, ss: 24 },
      { n: 2, mean: 5, ss: 0 },
    ];
    const total = 302;
    const mu = (400 + 420 + 440 + 10) / total;
    const within = (50 + 16 + 24 + 0 + 2) / (total - 4 + 1);
    const msb = units.reduce((s, u) => s + u.n * (u.mean - mu) ** 2, 0) / 3;
    const n0 = (total - (3 * 100 ** 2 + 4) / total) / 3;
    const tau2 = (msb - within) / n0;
    const shrunk = (u: { n: number; mean: number }) => mu + (tau2 / (tau2 + within / u.n)) * (u.mean - mu);
    expect(table.shrinkage.betweenVariance).toBeCloseTo(tau2, 3);
    expect(table.shrinkage.withinVariance).toBeCloseTo(within, 3);

    const byName = new Map(table.rows.map((r) => [r.name, r]));
    expect(byName.get('Tiny kiosk')?.shrunk).toBeCloseTo(shrunk({ n: 2, mean: 5 }), 2);
    expect(byName.get('Hilltop')?.shrunk).toBeCloseTo(shrunk({ n: 100, mean: 4.4 }), 2);
    // The kiosk's two fives are pulled far towards the mean; Hilltop's 100 answers hardly move.
    expect(5 - (byName.get('Tiny kiosk')?.shrunk ?? 5)).toBeGreaterThan(0.3);
    expect(Math.abs(4.4 - (byName.get('Hilltop')?.shrunk ?? 0))).toBeLessThan(0.05);
    expect(table.rows.map((r) => r.name)).toEqual(['Hilltop', 'Tiny kiosk', 'Harbour', 'Main Street', 'North region']);
  });

  it('shows a manager scoped to a region only the locations and staff of that region', async () => {
    const client = await createTestClient(hark.services);
    const south = await createLocation(hark.services.db, client.clientId, { programmeId: client.programmeId, name: 'South region', code: uniqueCode('south') });
    const southside = await createLocation(hark.services.db, client.clientId, {
      programmeId: client.programmeId,
      name: 'Southside',
      code: uniqueCode('southside'),
      parentId: south.id,
    });
    const sam = await createSubMeasure(hark.services.db, client.clientId, { locationId: southside.id, name: 'Sam', code: 'sam' });
    await insertRollup(hark.services, client.clientId, { locationId: southside.id, subMeasureId: sam.id, day: '2025-03-03', scores: { 5: 30 } });
    await insertRollup(hark.services, client.clientId, { locationId: client.location.id, subMeasureId: client.subMeasure.id, day: '2025-03-03', scores: { 4: 30 } });

    const owner = await rankings(await personOf(client, 'owner'), { by: 'location', ...march });
    expect(owner.rows.map((r) => r.name).sort()).toEqual(['Harbour', 'Main Street', 'North region', 'South region', 'Southside']);

    const north = (await hark.services.db.selectFrom('locations').select('parent_id').where('id', '=', client.location.id).executeTakeFirstOrThrow()).parent_id;
    const manager = await personOf(client, 'manager', [north ?? '']);
    const scoped = await rankings(manager, { by: 'location', ...march });
    expect(scoped.rows.map((r) => r.name).sort()).toEqual(['Harbour', 'Main Street', 'North region']);
    const staff = await rankings(manager, { by: 'staff', ...march });
    expect(staff.rows.map((r) => r.name)).toEqual([client.subMeasure.name]);
    // A location outside the scope is not found, as on the dashboard.
    const outside = await manager.get(`/api/v1/rankings?by=location&locationId=${southside.id}`);
    expect(outside.status).toBe(404);
  });

  it('refuses bad input with a message a person understands', async () => {
    const client = await createTestClient(hark.services);
    const owner = await personOf(client, 'owner');
    const cases: [string, number, RegExp][] = [
      ['by=region', 400, /location or staff/],
      ['', 400, /by/],
      ['by=staff&from=2025-03-10&to=2025-03-01', 400, /starts .* after it ends/],
      ['by=staff&from=2020-01-01&to=2024-06-01', 400, /at most 3 years/],
      ['by=staff&from=2025-02-30', 400, /not a day of the calendar/],
      ['by=staff&rule=best', 400, /shrunk or lower_bound/],
      ['by=staff&locationId=nope', 400, /location id/],
    ];
    for (const [query, status, message] of cases) {
      const response = await owner.get<{ error: { message: string } }>(`/api/v1/rankings?${query}`);
      expect(response.status, query).toBe(status);
      expect(response.body.error.message, query).toMatch(message);
    }
    const change = await owner.get<{ error: { message: string } }>('/api/v1/dashboard/change?from=2025-03-10&to=2025-03-01');
    expect(change.status).toBe(400);
    expect((await hark.fetch('/api/v1/rankings?by=staff')).status).toBe(401);
  });
});

describe(`significance of period-over-period change (${testDatabaseKind})`, () => {
  it('marks a large clear change significant and a small change on few responses not', async () => {
    const client = await createTestClient(hark.services, { scale: 'recommend_5' });
    const owner = await personOf(client, 'owner');
    // Main Street: 100 responses averaging 2.5 in February, 100 averaging 4.5 in March.
    await insertRollup(hark.services, client.clientId, { locationId: client.location.id, day: '2025-02-10', scores: { 2: 50, 3: 50 } });
    await insertRollup(hark.services, client.clientId, { locationId: client.location.id, day: '2025-03-10', scores: { 4: 50, 5: 50 } });
    // Harbour: 3 responses each month, 4.0 then 4.33.
    await insertRollup(hark.services, client.clientId, { locationId: client.otherLocation.id, day: '2025-02-11', scores: { 4: 3 } });
    await insertRollup(hark.services, client.clientId, { locationId: client.otherLocation.id, day: '2025-03-11', scores: { 4: 2, 5: 1 } });

    // 28 days of February before 1–28 March: the previous equal-length period.
    const period = { from: '2025-03-01', to: '2025-03-28' };
    const table = await rankings(owner, { by: 'location', ...period });
    expect(table.previousPeriod).toEqual({ from: '2025-02-01', to: '2025-02-28' });
    expect(table.changeTest).toMatch(/Welch/);
    const main = table.rows.find((r) => r.name === 'Main Street');
    const harbour = table.rows.find((r) => r.name === 'Harbour');
    expect(main?.previous).toEqual({ responses: 100, score: 2.5 });
    expect(main?.change).toMatchObject({ test: 'welch_t', difference: 2, significant: true });
    expect(main?.change?.pValue).toBeLessThan(0.001);
    expect(harbour?.previous).toEqual({ responses: 3, score: 4 });
    expect(harbour?.change).toMatchObject({ test: 'welch_t', difference: 0.33, significant: false });
    expect(harbour?.change?.pValue).toBeGreaterThan(0.05);

    // The headline: the whole business moved from 2.51 to 4.49 on 103 responses each.
    const headline = await owner.get<ScoreChange>(`/api/v1/dashboard/change?${new URLSearchParams(period)}`);
    expect(headline.status).toBe(200);
    expect(headline.body.current.responses).toBe(103);
    expect(headline.body.previous.responses).toBe(103);
    expect(headline.body.change).toMatchObject({ test: 'welch_t', significant: true });
    // Harbour alone: not significant.
    const small = await owner.get<ScoreChange>(`/api/v1/dashboard/change?${new URLSearchParams({ ...period, locationId: client.otherLocation.id })}`);
    expect(small.body.change).toMatchObject({ significant: false });
    // No previous responses: no test at all.
    const none = await owner.get<ScoreChange>(`/api/v1/dashboard/change?${new URLSearchParams({ from: '2025-02-01', to: '2025-02-28' })}`);
    expect(none.body.current.responses).toBe(103);
    expect(none.body.previous.responses).toBe(0);
    expect(none.body.change).toBeNull();
  });

  it('tests NPS changes on promoter/detractor values', async () => {
    const client = await createTestClient(hark.services, { scale: 'nps_10' });
    const owner = await personOf(client, 'owner');
    await insertRollup(hark.services, client.clientId, { locationId: client.location.id, day: '2025-02-10', scores: { 10: 40, 8: 20, 3: 40 } }); // NPS 0
    await insertRollup(hark.services, client.clientId, { locationId: client.location.id, day: '2025-03-10', scores: { 10: 70, 8: 20, 3: 10 } }); // NPS 60
    const big = await owner.get<ScoreChange>('/api/v1/dashboard/change?from=2025-03-01&to=2025-03-28');
    expect(big.body.scoreKind).toBe('nps');
    expect(big.body.current.score?.value).toBe(60);
    expect(big.body.previous.score?.value).toBe(0);
    expect(big.body.change).toMatchObject({ difference: 60, significant: true });

    await insertRollup(hark.services, client.clientId, { locationId: client.otherLocation.id, day: '2025-02-12', scores: { 10: 2, 3: 2 } }); // NPS 0
    await insertRollup(hark.services, client.clientId, { locationId: client.otherLocation.id, day: '2025-03-12', scores: { 10: 3, 3: 1 } }); // NPS 50
    const small = await owner.get<ScoreChange>(`/api/v1/dashboard/change?from=2025-03-01&to=2025-03-28&locationId=${client.otherLocation.id}`);
    expect(small.body.change).toMatchObject({ difference: 50, significant: false });
  });
});
