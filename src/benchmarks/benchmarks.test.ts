/**
 * GET /api/v1/benchmarks and the benchmark profile over real HTTP: a cell of 4 other
 * businesses is hidden and says why, 5 shows it with quartiles and a percentile computed
 * by hand, every suppression rule, opting out, who may change the settings, bad input, and
 * attempts to learn one other business's figure by changing one's own settings.
 *
 * Each scenario uses a month of its own, so the businesses of one never count in another's
 * cells.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKind } from '../../test/helpers/database.ts';
import { createTestClient, type TestClient } from '../../test/helpers/factories.ts';
import { startTestHark, type TestHark } from '../../test/helpers/hark.ts';
import { createTestUser, signIn, type PortalClient } from '../../test/helpers/portal.ts';
import { insertRollup } from '../../test/helpers/rollups.ts';
import type { MembershipRole } from '../db/schema.ts';
import { withClient } from '../db/tenancy.ts';
import type { IndustryId, RegionId } from './cells.ts';
import type { BenchmarkProfile, Benchmarks } from './schemas.ts';

let hark: TestHark;

beforeAll(async () => {
  hark = await startTestHark({ env: { HARK_LOGIN_LIMIT_PER_IP: '1000' } });
});
afterAll(() => hark?.close());

interface Business {
  industry: IndustryId;
  region?: RegionId | null;
  contributes?: boolean;
  scores: Record<number, number>;
}

/** Another business with a profile and responses on the first day of `month`. */
async function addBusiness(month: string, business: Business): Promise<TestClient> {
  const client = await createTestClient(hark.services);
  await sql`insert into client_benchmark_profiles (client_id, industry, region, contributes)
    values (${client.clientId}, ${business.industry}, ${business.region ?? null}, ${business.contributes ?? true})`.execute(hark.services.db);
  await insertRollup(hark.services, client.clientId, { locationId: client.location.id, day: `${month}-01`, scores: business.scores });
  return client;
}

async function personOf(client: TestClient, role: MembershipRole, locationScope: string[] | null = null): Promise<PortalClient> {
  return signIn(hark, await createTestUser(hark.services, client.clientId, role, { locationScope }));
}

/** The business asking, with its own responses in `month`, signed in as its owner. */
async function caller(month: string, scores: Record<number, number>) {
  const client = await createTestClient(hark.services);
  await insertRollup(hark.services, client.clientId, { locationId: client.location.id, day: `${month}-02`, scores });
  return { client, owner: await personOf(client, 'owner') };
}

async function setProfile(person: PortalClient, profile: { industry: IndustryId | null; region: RegionId | null; contributes: boolean }) {
  const response = await person.request<BenchmarkProfile>('PUT', '/api/v1/benchmarks/profile', profile);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

async function benchmarks(person: PortalClient, query: Record<string, string>): Promise<Benchmarks> {
  const response = await person.get<Benchmarks>(`/api/v1/benchmarks?${new URLSearchParams(query)}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

/** Means 3.0, 3.5, 4.0, 4.5 and 5.0 on 20 responses each. */
const fiveOthers: Record<number, number>[] = [{ 3: 20 }, { 3: 10, 4: 10 }, { 4: 20 }, { 4: 10, 5: 10 }, { 5: 20 }];

describe(`benchmark cells (${testDatabaseKind})`, () => {
  it('hides a cell of 4 other businesses, naming the rule, and shows it with 5: quartiles and percentile', async () => {
    const month = '2024-01';
    const me = await caller(month, { 4: 16, 5: 4 }); // 4.2 on 20 responses
    await setProfile(me.owner, { industry: 'cafe_restaurant', region: null, contributes: true });
    for (const scores of fiveOthers.slice(0, 4)) await addBusiness(month, { industry: 'cafe_restaurant', scores });
    // Neither an opted-out business nor one with fewer than 10 responses counts.
    await addBusiness(month, { industry: 'cafe_restaurant', contributes: false, scores: { 5: 50 } });
    await addBusiness(month, { industry: 'cafe_restaurant', scores: { 5: 9 } });
    // Nor one of another industry, or of another month.
    await addBusiness(month, { industry: 'retail', scores: { 5: 50 } });
    await addBusiness('2024-02', { industry: 'cafe_restaurant', scores: { 5: 50 } });

    const hidden = await benchmarks(me.owner, { period: month });
    expect(hidden.shown).toBe(false);
    expect(hidden.figures).toBeNull();
    expect(hidden.hidden?.rule).toBe('too_few_clients');
    expect(hidden.hidden?.message).toMatch(/Fewer than 5 other businesses/);
    expect(hidden.own).toEqual({ responses: 20, score: 4.2 });

    await addBusiness(month, { industry: 'cafe_restaurant', scores: fiveOthers[4] ?? {} });
    const shown = await benchmarks(me.owner, { period: month });
    expect(shown.shown).toBe(true);
    expect(shown.hidden).toBeNull();
    // Client scores 3, 3.5, 4, 4.2 (this business, which contributes), 4.5, 5: quartiles by
    // linear interpolation (positions 1.25, 2.5, 3.75), 3 of the 5 others below 4.2.
    expect(shown.figures).toEqual({ otherClients: '5+', responses: 120, q1: 3.63, median: 4.1, q3: 4.43, percentile: 60 });
    expect(shown.period).toEqual({ label: month, from: '2024-01-01', to: '2024-01-31' });
    expect(shown.scoreKind).toBe('mean');

    // Opting out leaves this business out of the cell, not out of its own comparison.
    await setProfile(me.owner, { industry: 'cafe_restaurant', region: null, contributes: false });
    const outside = await benchmarks(me.owner, { period: month });
    expect(outside.figures).toMatchObject({ responses: 100, q1: 3.5, median: 4, q3: 4.5, percentile: 60 });
  });

  it('hides cells with too few responses, or with one business making up more than half', async () => {
    const thin = '2024-03';
    const me = await caller(thin, { 4: 10 });
    await setProfile(me.owner, { industry: 'health', region: null, contributes: true });
    for (let i = 0; i < 5; i++) await addBusiness(thin, { industry: 'health', scores: { 4: 5, 5: 5 } });
    expect((await benchmarks(me.owner, { period: thin })).hidden?.rule).toBe('too_few_responses'); // 60 < 100

    const lopsided = '2024-04';
    const other = await caller(lopsided, { 4: 10 });
    await setProfile(other.owner, { industry: 'health', region: null, contributes: true });
    for (let i = 0; i < 5; i++) await addBusiness(lopsided, { industry: 'health', scores: { 4: 20 } });
    await addBusiness(lopsided, { industry: 'health', scores: { 5: 200 } }); // 200 of 310
    const result = await benchmarks(other.owner, { period: lopsided });
    expect(result.hidden?.rule).toBe('dominant_client');
    expect(result.hidden?.message).toMatch(/more than half/);
  });

  it('asks for an industry (and a region, for a regional cell) before comparing', async () => {
    const me = await caller('2024-05', { 4: 10 });
    expect((await benchmarks(me.owner, { period: '2024-05' })).hidden?.rule).toBe('not_configured');
    await setProfile(me.owner, { industry: 'other', region: null, contributes: true });
    const regional = await benchmarks(me.owner, { period: '2024-05', cell: 'region' });
    expect(regional.hidden).toEqual({ rule: 'not_configured', message: expect.stringMatching(/industry and region/) });
  });
});

describe(`differencing attacks (${testDatabaseKind})`, () => {
  it('keeps a region cell with exactly one other business hidden, and blocks comparing two cells that differ by one business', async () => {
    const month = '2024-06';
    const me = await caller(month, { 4: 20 });
    await setProfile(me.owner, { industry: 'automotive', region: 'auckland', contributes: false });
    // Six in Auckland, and one target in Wellington whose score the attacker wants.
    for (const scores of [...fiveOthers, { 4: 20 }]) await addBusiness(month, { industry: 'automotive', region: 'auckland', scores });
    await addBusiness(month, { industry: 'automotive', region: 'wellington', scores: { 1: 20 } });

    // The whole industry: seven others, shown.
    const industry = await benchmarks(me.owner, { period: month, cell: 'industry' });
    expect(industry.shown).toBe(true);
    // Auckland alone would be the industry less the one Wellington business: hidden, with the reason.
    const auckland = await benchmarks(me.owner, { period: month, cell: 'region' });
    expect(auckland.shown).toBe(false);
    expect(auckland.hidden?.rule).toBe('complement_too_small');
    expect(auckland.figures).toBeNull();
    // Moving itself to Wellington: a cell of that one business, hidden.
    await setProfile(me.owner, { industry: 'automotive', region: 'wellington', contributes: false });
    const wellington = await benchmarks(me.owner, { period: month, cell: 'region' });
    expect(wellington.hidden?.rule).toBe('too_few_clients');
    expect(wellington.figures).toBeNull();
    // Nor does joining the cell itself (its own figure is known to it) lift the thresholds.
    await setProfile(me.owner, { industry: 'automotive', region: 'wellington', contributes: true });
    expect((await benchmarks(me.owner, { period: month, cell: 'region' })).hidden?.rule).toBe('too_few_clients');

    // With five businesses outside Auckland, the Auckland cell and the industry cell differ
    // by a group of five, and both may be shown.
    for (let i = 0; i < 4; i++) await addBusiness(month, { industry: 'automotive', region: 'wellington', scores: { 3: 20 } });
    await setProfile(me.owner, { industry: 'automotive', region: 'auckland', contributes: false });
    expect((await benchmarks(me.owner, { period: month, cell: 'region' })).shown).toBe(true);
  });

  it('never lets the application role read another business’s profile or loosen the thresholds', async () => {
    const month = '2024-07';
    const me = await caller(month, { 4: 20 });
    await setProfile(me.owner, { industry: 'professional_services', region: null, contributes: true });
    const others: TestClient[] = [];
    for (const scores of fiveOthers.slice(0, 2)) others.push(await addBusiness(month, { industry: 'professional_services', scores }));
    await withClient(hark.services.db, me.client.clientId, async (trx) => {
      const { rows } = await sql<{ client_id: string }>`select client_id from client_benchmark_profiles`.execute(trx);
      expect(rows.map((r) => r.client_id)).toEqual([me.client.clientId]);
      const rollups = await sql<{ n: number }>`select count(*)::int as n from feedback_monthly_rollups where client_id = ${others[0]?.clientId ?? ''}`.execute(trx);
      expect(rollups.rows[0]?.n).toBe(0);
      // Asking the function for a cell of 1 other business still applies the floor of 5.
      const { rows: cell } = await sql<{ hidden: string; median: string | null }>`
        select hidden, median from hark_benchmark_cell('mean', false, '2024-07-01', '2024-07-01', 1, 1, 1)`.execute(trx);
      expect(cell).toEqual([{ hidden: 'too_few_clients', median: null }]);
    });
  });
});

describe(`benchmark settings and bad input (${testDatabaseKind})`, () => {
  it('lets admins choose industry, region and opting out, and no one else', async () => {
    const client = await createTestClient(hark.services);
    const admin = await personOf(client, 'admin');
    const initial = await admin.get<BenchmarkProfile>('/api/v1/benchmarks/profile');
    expect(initial.body).toMatchObject({ industry: null, region: null, contributes: true });
    expect(initial.body.industries.map((i) => i.id)).toContain('cafe_restaurant');
    expect(initial.body.regions.map((r) => r.id)).toContain('canterbury');
    expect(await setProfile(admin, { industry: 'retail', region: 'canterbury', contributes: false })).toMatchObject({
      industry: 'retail',
      region: 'canterbury',
      contributes: false,
    });

    for (const role of ['manager', 'viewer'] as const) {
      const person = await personOf(client, role);
      const refused = await person.request('PUT', '/api/v1/benchmarks/profile', { industry: 'health', region: null, contributes: true });
      expect(refused.status, role).toBe(403);
      expect((await person.get<BenchmarkProfile>('/api/v1/benchmarks/profile')).body.industry).toBe('retail');
    }
    const bad = await admin.request<{ error: { message: string } }>('PUT', '/api/v1/benchmarks/profile', { industry: 'bakery', region: null, contributes: true });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/cafe_restaurant/);
    const missing = await admin.request('PUT', '/api/v1/benchmarks/profile', { industry: 'retail' });
    expect(missing.status).toBe(400);
  });

  it('refuses bad periods and cells, and people who see only part of the business', async () => {
    const client = await createTestClient(hark.services);
    const owner = await personOf(client, 'owner');
    const cases: [string, RegExp][] = [
      ['period=2025-13', /month \(2025-03\), a quarter/],
      ['period=last-week', /month \(2025-03\), a quarter/],
      ['period=2999-01', /has not begun/],
      ['period=1999', /before 2000/],
      ['cell=city', /industry or region/],
    ];
    for (const [query, message] of cases) {
      const response = await owner.get<{ error: { message: string } }>(`/api/v1/benchmarks?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.message, query).toMatch(message);
    }
    const quarter = await benchmarks(owner, { period: '2024-Q3' });
    expect(quarter.period).toEqual({ label: '2024-Q3', from: '2024-07-01', to: '2024-09-30' });
    const manager = await personOf(client, 'manager', [client.location.id]);
    const refused = await manager.get<{ error: { message: string } }>('/api/v1/benchmarks');
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/whole businesses/);
    expect((await hark.fetch('/api/v1/benchmarks')).status).toBe(401);
  });
});
