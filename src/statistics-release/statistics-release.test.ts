/**
 * /api/v1/operator/statistics-releases over real HTTP: which clients count, primary and
 * complementary suppression, the noisy figures near the truth at a large epsilon, downloads
 * that repeat the stored table, no personal data or undocumented column in any download,
 * bad input refused with nothing recorded, and the budget ledger refusing past the budget.
 *
 * Each scenario uses months of its own, so the clients of one never count in another's.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../accounts/index.ts';
import { testDatabaseKind } from '../../test/helpers/database.ts';
import { giveFeedback } from '../../test/helpers/form.ts';
import { startTestHark, type TestHark } from '../../test/helpers/hark.ts';
import { createTestUser, signIn, testPassword, type PortalClient } from '../../test/helpers/portal.ts';
import { addStatisticsClient, addStatisticsClients, cellOf, type ReleaseDocument } from '../../test/helpers/statistics.ts';
import { createSubMeasure } from '../programmes/index.ts';

let hark: TestHark;
let operator: PortalClient;

beforeAll(async () => {
  hark = await startTestHark({ env: { HARK_STATS_EPSILON_BUDGET: '1000', HARK_LOGIN_LIMIT_PER_IP: '1000' } });
  const id = await createUser(hark.services.db, { email: 'stats-ops@hark.example', name: 'Ops', password: testPassword, kind: 'operator' });
  operator = await signIn(hark, { id, email: 'stats-ops@hark.example', password: testPassword });
});
afterAll(() => hark?.close());

interface Created {
  release: { id: string; epsilon: number; by: string[]; method: { cells: { published: number; primarySuppressed: number; complementarySuppressed: number } } };
  budget: { total: number; spent: number; remaining: number; releases: number };
}

async function release(body: Record<string, unknown>): Promise<Created> {
  const response = await operator.post<Created>('/api/v1/operator/statistics-releases', body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

async function download(id: string): Promise<ReleaseDocument> {
  const response = await operator.get<ReleaseDocument>(`/api/v1/operator/statistics-releases/${id}`);
  expect(response.status).toBe(200);
  return response.body;
}

async function recorded() {
  const { rows } = await sql<{ releases: number; ledger: number }>`
    select (select count(*) from statistics_releases)::int as releases, (select count(*) from statistics_budget_ledger)::int as ledger`.execute(hark.services.db);
  return rows[0];
}

const twenty = { 4: 10, 5: 10 }; // 20 responses, index 75 and 100: mean 87.5, all "high"

describe(`anonymised statistics releases (${testDatabaseKind})`, () => {
  it('counts contributing clients only, suppresses small cells and their complements, and publishes figures near the truth', async () => {
    const months = ['2023-01'];
    await addStatisticsClients(hark.services, 5, { industry: 'retail', region: 'auckland', months, scores: twenty }); // 100 responses
    await addStatisticsClient(hark.services, { industry: 'retail', region: 'otago', months, scores: twenty }); // alone: primary
    await addStatisticsClients(hark.services, 6, { industry: 'retail', region: 'canterbury', months, scores: twenty }); // 120 responses
    // An opted-out client with 500 responses: were it counted, it would dominate canterbury.
    await addStatisticsClient(hark.services, { industry: 'retail', region: 'canterbury', contributes: false, months, scores: { 1: 500 } });
    // Five with a profile but no industry or region: the "unknown" cell. Five without any profile: left out.
    await addStatisticsClients(hark.services, 5, { industry: null, region: null, months, scores: twenty });
    await addStatisticsClients(hark.services, 5, { industry: null, region: null, profile: false, months, scores: { 0: 20 } });
    // An NPS client among the unknowns: 9 → index 90, "high".
    await addStatisticsClient(hark.services, { industry: null, region: null, scale: 'nps_10', months, scores: { 9: 20 } });

    const made = await release({ period: '2023-01', by: ['region', 'industry'], epsilon: 300 });
    expect(made.release.by).toEqual(['industry', 'region']);
    const doc = await download(made.release.id);
    expect(doc.release.columns).toEqual(['industry', 'region', 'suppressed', 'responses', 'mean_index', 'share_low', 'share_middle', 'share_high']);
    // The whole grid, empty cells suppressed like any other: 8 industries × 18 regions.
    expect(doc.cells).toHaveLength(8 * 18);

    // otago alone fails; its line (retail, every region) would give it away from the retail
    // total, so the smaller published cell of the line (auckland, 100 < 120) is hidden too.
    expect(cellOf(doc, { industry: 'retail', region: 'otago' }).suppressed).toBe(true);
    expect(cellOf(doc, { industry: 'retail', region: 'auckland' })).toMatchObject({ suppressed: true, responses: null, mean_index: null });
    const canterbury = cellOf(doc, { industry: 'retail', region: 'canterbury' });
    expect(canterbury.suppressed).toBe(false);
    // Scale at epsilon 300: responses 0.2, index sum 10, bands 0.2 — far inside these margins.
    expect(Math.abs((canterbury.responses ?? 0) - 120)).toBeLessThanOrEqual(5);
    expect(Math.abs((canterbury.mean_index ?? 0) - 87.5)).toBeLessThanOrEqual(2);
    expect(canterbury.share_high).toBeGreaterThanOrEqual(0.98);

    // 6 unknown clients (5 five-point at 87.5 on 100 responses, 1 NPS at 90 on 20); no-profile ones absent.
    const unknown = cellOf(doc, { industry: 'unknown', region: 'unknown' });
    expect(unknown.suppressed).toBe(false);
    expect(Math.abs((unknown.responses ?? 0) - 120)).toBeLessThanOrEqual(5);
    expect(Math.abs((unknown.mean_index ?? 0) - (100 * 87.5 + 20 * 90) / 120)).toBeLessThanOrEqual(2);
    expect(unknown.share_low).toBeLessThanOrEqual(0.02);

    expect(made.release.method.cells).toMatchObject({ published: 2, primarySuppressed: 1, complementarySuppressed: 1 });

    // By industry alone: retail (12 clients) is one published cell; its line (all industries)
    // holds no suppressed cell with data.
    const byIndustry = await download((await release({ period: '2023-01', by: ['industry'], epsilon: 300 })).release.id);
    expect(cellOf(byIndustry, { industry: 'retail' }).suppressed).toBe(false);
    expect(Math.abs((cellOf(byIndustry, { industry: 'retail' }).responses ?? 0) - 240)).toBeLessThanOrEqual(5);

    // Every release is in the operator chain of the audit log.
    const audited = await sql<{ subject_id: string }>`select subject_id from audit_log where chain_id = '00000000-0000-0000-0000-000000000000' and action = 'statistics.released'`.execute(hark.services.db);
    expect(audited.rows.map((r) => r.subject_id)).toContain(made.release.id);
  });

  it('downloads the stored table again (no fresh noise), as JSON and CSV, to operators only', async () => {
    const months = ['2023-02', '2023-03'];
    await addStatisticsClients(hark.services, 6, { industry: 'health', region: 'wellington', months, scores: { 3: 5, 4: 10, 5: 5 } });
    const made = await release({ period: '2023-02..2023-03', by: ['industry', 'month'], epsilon: 0.5 });
    const first = await download(made.release.id);
    expect(await download(made.release.id)).toEqual(first);
    expect(first.release.noiseScale.responses).toBeCloseTo((3 * 2 * 20) / 0.5); // 2 months, 20 per client, ε/3

    const csv = await operator.get<string>(`/api/v1/operator/statistics-releases/${made.release.id}?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const [header, ...rows] = csv.body.trim().split('\n');
    expect(header).toBe('industry,month,suppressed,responses,mean_index,share_low,share_middle,share_high');
    expect(rows).toHaveLength(8 * 2);
    const health = first.cells.filter((c) => c.industry === 'health');
    for (const cell of health) expect(rows).toContain(['health', cell.month, cell.suppressed, cell.responses, cell.mean_index, cell.share_low, cell.share_middle, cell.share_high].map((v) => (v === null ? '' : String(v))).join(','));

    expect((await operator.get(`/api/v1/operator/statistics-releases/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await operator.get(`/api/v1/operator/statistics-releases/not-an-id`)).status).toBe(400);
    expect((await operator.get(`/api/v1/operator/statistics-releases/${made.release.id}?format=xml`)).status).toBe(400);

    const client = await addStatisticsClient(hark.services, { industry: 'health', region: 'wellington', months: [], scores: {} });
    const owner = await signIn(hark, await createTestUser(hark.services, client.clientId, 'owner'));
    expect((await owner.get(`/api/v1/operator/statistics-releases/${made.release.id}`)).status).toBe(403);
    expect((await owner.get('/api/v1/operator/statistics-releases')).status).toBe(403);
    const before = await recorded();
    expect((await owner.post('/api/v1/operator/statistics-releases', { period: '2023-02', by: ['industry'], epsilon: 0.5 })).status).toBe(403);
    expect(await recorded()).toEqual(before);
  });

  it('never holds client names, location or staff names, comments, contact details or website analytics', async () => {
    const months = ['2023-04'];
    const secrets: string[] = [];
    for (let i = 0; i < 6; i++) {
      const name = `Zanzibar Secret Bakery ${i}`;
      const client = await addStatisticsClient(hark.services, { industry: 'cafe_restaurant', region: 'nelson', months, scores: twenty, name });
      const staff = `Quentin-Staffname-${i}`;
      const sub = await createSubMeasure(hark.services.db, client.clientId, { locationId: client.location.id, name: staff, code: `q${i}` });
      await sql`update locations set name = ${`Wharf Lane Branch ${i}`} where client_id = ${client.clientId} and id = ${client.location.id}`.execute(hark.services.db);
      const { insertRollup } = await import('../../test/helpers/rollups.ts');
      await insertRollup(hark.services, client.clientId, { locationId: client.location.id, subMeasureId: sub.id, day: '2023-04-15', scores: { 5: 3 } });
      const comment = `Xylophone complaint number ${i}`;
      const email = `hidden.person.${i}@secret-mail.example`;
      const given = await giveFeedback(hark, `/f/${client.location.code}`, { score: '2', comment, email, name: `Person Ofinterest ${i}`, mobile: '+64215550123' });
      expect(given.status).toBeLessThan(400);
      secrets.push(name, staff, `Wharf Lane Branch ${i}`, comment, email, `Person Ofinterest ${i}`, client.location.code, client.clientId);
    }
    secrets.push('+64215550123', '5550123');
    // Website analytics of the same month: operator-only, never part of a release.
    await sql`insert into analytics_hits (day, kind, visitor_hash, path, referrer_host, utm_campaign, browser, os, device, ip)
      values ('2023-04-10', 'view', ${Buffer.alloc(32, 7)}, '/pricing-secret-page', 'secret-referrer.example', 'moonshot-campaign', 'Firefox', 'Linux', 'desktop', '203.0.113.77')`.execute(hark.services.db);
    secrets.push('/pricing-secret-page', 'secret-referrer.example', 'moonshot-campaign', '203.0.113.77', 'Firefox');

    for (const by of [['industry', 'region', 'month'], ['region'], ['industry', 'region']]) {
      const made = await release({ period: '2023-04', by, epsilon: 1 });
      const json = await operator.get<string>(`/api/v1/operator/statistics-releases/${made.release.id}`);
      const csv = await operator.get<string>(`/api/v1/operator/statistics-releases/${made.release.id}?format=csv`);
      const doc = json.body as unknown as ReleaseDocument;
      expect(doc.cells.some((c) => !c.suppressed)).toBe(true);
      const texts = [JSON.stringify(json.body), csv.body];
      for (const text of texts) for (const secret of secrets) expect(text.includes(secret), `${secret} in the ${by.join(',')} release`).toBe(false);
      expect(JSON.stringify(json.body)).not.toMatch(/@|pricing|Zanzibar|Quentin|Xylophone|Wharf/);
      const documented = new Set([...by, 'suppressed', 'responses', 'mean_index', 'share_low', 'share_middle', 'share_high']);
      for (const cell of doc.cells) for (const key of Object.keys(cell)) expect(documented.has(key), `undocumented column ${key}`).toBe(true);
      expect(Object.keys(doc).sort()).toEqual(['cells', 'release']);
      expect(Object.keys(doc.release).sort()).toEqual(['bands', 'by', 'columns', 'createdAt', 'epsilon', 'id', 'noiseScale', 'period', 'privacyUnit', 'rules', 'scoreIndex']);
      expect(csv.body.split('\n')[0]?.split(',').every((c) => documented.has(c))).toBe(true);
    }
  });

  it('refuses bad input by name and records nothing', async () => {
    const before = await recorded();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ period: '2023-01', by: ['industry', 'postcode'], epsilon: 0.5 }, /Unknown dimension "postcode"/],
      [{ period: '2023-01', by: ['industry', 'industry'], epsilon: 0.5 }, /each dimension once/],
      [{ period: '2023-01', by: [], epsilon: 0.5 }, /at least one/],
      [{ period: '2023-13', by: ['industry'], epsilon: 0.5 }, /not a period/],
      [{ period: 'last year', by: ['industry'], epsilon: 0.5 }, /not a period/],
      [{ period: '2023-06..2023-01', by: ['industry'], epsilon: 0.5 }, /ends before it begins/],
      [{ period: '2999-01', by: ['industry'], epsilon: 0.5 }, /not over yet/],
      [{ period: '1999', by: ['industry'], epsilon: 0.5 }, /before 2000/],
      [{ period: '2023-01', by: ['industry'], epsilon: 0 }, /epsilon must be above 0/],
      [{ period: '2023-01', by: ['industry'], epsilon: -1 }, /epsilon must be above 0/],
      [{ period: '2023-01', by: ['industry'], epsilon: 0.0001 }, /at most three decimals/],
      [{ period: '2023-01', by: ['industry'], epsilon: 0.5, extra: 1 }, /./],
      [{ period: '2001-01', by: ['industry'], epsilon: 0.5 }, /No contributing client has responses in 2001-01/],
      // One client in its month: every cell would be suppressed.
      [{ period: '2023-05', by: ['industry', 'region', 'month'], epsilon: 0.5 }, /Every cell .* would be suppressed/],
    ];
    await addStatisticsClient(hark.services, { industry: 'automotive', region: 'southland', months: ['2023-05'], scores: twenty });
    for (const [body, message] of cases) {
      const response = await operator.post<{ error: { code: string; message: string } }>('/api/v1/operator/statistics-releases', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.message, JSON.stringify(body)).toMatch(message);
    }
    expect(await recorded()).toEqual(before);
  });

  it('charges each release to the budget and refuses one past it with 409, changing nothing', async () => {
    const months = ['2023-07'];
    await addStatisticsClients(hark.services, 5, { industry: 'hospitality', region: 'tasman', months, scores: twenty });
    const list = await operator.get<{ budget: Created['budget']; releases: { id: string; epsilon: number }[] }>('/api/v1/operator/statistics-releases');
    expect(list.status).toBe(200);
    const spent = list.body.releases.reduce((sum, r) => sum + r.epsilon, 0);
    expect(list.body.budget.total).toBe(1000);
    expect(list.body.budget.spent).toBeCloseTo(spent, 6);
    expect(list.body.budget.remaining).toBeCloseTo(1000 - spent, 6);

    const remaining = list.body.budget.remaining;
    const before = await recorded();
    const over = await operator.post<{ error: { code: string; message: string } }>('/api/v1/operator/statistics-releases', { period: '2023-07', by: ['industry'], epsilon: Math.round((remaining + 0.001) * 1000) / 1000 });
    expect(over.status).toBe(409);
    expect(over.body.error.message).toMatch(/only .* of the privacy budget of 1000 remains .* Nothing was released/);
    expect(await recorded()).toEqual(before);

    const last = await release({ period: '2023-07', by: ['industry'], epsilon: remaining });
    expect(last.budget).toMatchObject({ total: 1000, remaining: 0, releases: (before?.ledger ?? 0) + 1 });
    const ledger = await sql<{ epsilon: string; spent_after: string; budget_total: string }>`select epsilon::text, spent_after::text, budget_total::text from statistics_budget_ledger order by seq desc limit 1`.execute(hark.services.db);
    expect(Number(ledger.rows[0]?.spent_after)).toBe(1000);
    expect(Number(ledger.rows[0]?.budget_total)).toBe(1000);

    const after = await recorded();
    const none = await operator.post<{ error: { message: string } }>('/api/v1/operator/statistics-releases', { period: '2023-07', by: ['industry'], epsilon: 0.001 });
    expect(none.status).toBe(409);
    expect(none.body.error.message).toMatch(/only 0 of the privacy budget of 1000 remains/);
    expect(await recorded()).toEqual(after);
  });
});
