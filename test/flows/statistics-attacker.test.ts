/**
 * An attacker with every release of a year (twelve, spending the whole budget of 6 at
 * epsilon 0.5 each, in six groupings) tries to learn one client's figures, and fails:
 *
 * 1. Differencing. For any two releases and any grouping they share, a coarser cell the
 *    attacker can total from one release, minus the published cells of the other inside it,
 *    gives the sum of the other's suppressed cells there. The attacker knows client K's own
 *    rollups. Complementary suppression makes every such sum hold at least 5 clients (4
 *    besides K): never one client's figure. Deterministic: suppression depends on the true
 *    figures only.
 * 2. Subtraction under noise. A far stronger attacker who knows the exact figures of every
 *    client except T subtracts them from each published cell holding T and averages over
 *    every release: for each of the 12 months an estimate of T's responses that month
 *    (true: 15). "Recovered" means within ±3 (20%). Each estimate is the mean of m Laplace
 *    draws of scale b plus rounding; the mean of m independent draws has a density of at
 *    most m/(2b), so P(recovered) ≤ p = 2 × 3.5 × m/(2b). The months' noises are
 *    independent, so P(6 or more of 12 recovered) ≤ C(12,6)·p⁶, which the test computes from
 *    the releases' own noise scale and requires to be below 1e-6 before asserting that
 *    fewer than 6 months are recovered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { signIn, testPassword, type PortalClient } from '../helpers/portal.ts';
import { addStatisticsClient, type ReleaseCell, type ReleaseDocument } from '../helpers/statistics.ts';

const months = Array.from({ length: 12 }, (_, i) => `2022-${String(i + 1).padStart(2, '0')}`);
type Dim = 'industry' | 'region' | 'month';

interface Truth {
  id: string;
  name: string;
  industry: string;
  region: string;
  perMonth: number;
}

describe(`an attacker with every release and one client's own figures (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let operator: PortalClient;
  const truth: Truth[] = [];
  const releases: ReleaseDocument[] = [];

  async function add(name: string, region: string, scores: Record<number, number>) {
    const client = await addStatisticsClient(hark.services, { industry: 'health', region, months, scores });
    truth.push({ id: client.clientId, name, industry: 'health', region, perMonth: Object.values(scores).reduce((a, b) => a + b, 0) });
  }

  beforeAll(async () => {
    hark = await startTestHark({ env: { HARK_STATS_EPSILON_BUDGET: '6' } });
    const id = await createUser(hark.services.db, { email: 'attack-ops@hark.example', name: 'Ops', password: testPassword, kind: 'operator' });
    operator = await signIn(hark, { id, email: 'attack-ops@hark.example', password: testPassword });
    // Wellington: K (known to the attacker), T (the target) and 4 others, 15 responses a month each.
    await add('K', 'wellington', { 4: 10, 5: 5 });
    await add('T', 'wellington', { 1: 5, 2: 10 });
    for (let i = 0; i < 4; i++) await add(`W${i}`, 'wellington', { 3: 5, 4: 5, 5: 5 });
    // Otago: X alone, a differencing target. Canterbury: 5 clients, 12 a month each.
    await add('X', 'otago', { 1: 15 });
    for (let i = 0; i < 5; i++) await add(`C${i}`, 'canterbury', { 4: 12 });

    const groupings: Dim[][] = [['industry'], ['region'], ['industry', 'region'], ['industry', 'month'], ['region', 'month'], ...Array.from({ length: 7 }, (): Dim[] => ['industry', 'region', 'month'])];
    for (const by of groupings) {
      const made = await operator.post<{ release: { id: string } }>('/api/v1/operator/statistics-releases', { period: '2022', by, epsilon: 0.5 });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      const doc = await operator.get<ReleaseDocument>(`/api/v1/operator/statistics-releases/${made.body.release.id}`);
      releases.push(doc.body);
    }
  }, 240_000);
  afterAll(() => hark?.close());

  const dimsOf = (doc: ReleaseDocument) => doc.release.by as Dim[];
  const inCell = (t: Truth, cell: ReleaseCell) => (cell.industry === undefined || cell.industry === t.industry) && (cell.region === undefined || cell.region === t.region);
  const clientsIn = (cell: ReleaseCell) => truth.filter((t) => inCell(t, cell));
  const hasData = (cell: ReleaseCell) => clientsIn(cell).length > 0;

  it('spent the whole budget, and a thirteenth release is refused', async () => {
    const more = await operator.post<{ error: { message: string } }>('/api/v1/operator/statistics-releases', { period: '2022', by: ['industry'], epsilon: 0.5 });
    expect(more.status).toBe(409);
    expect(more.body.error.message).toMatch(/only 0 of the privacy budget of 6 remains/);
  });

  it('cannot isolate any client by differencing releases of different groupings', () => {
    const K = truth.find((t) => t.name === 'K');
    let groupsChecked = 0;
    let groupsWithHiddenCells = 0;
    for (const coarse of releases) {
      for (const fine of releases) {
        const shared = dimsOf(coarse).filter((d) => dimsOf(fine).includes(d));
        // Every subset of the shared dimensions that is coarser than the fine release.
        for (let mask = 0; mask < 1 << shared.length; mask++) {
          const group = shared.filter((_, i) => mask & (1 << i));
          if (group.length === dimsOf(fine).length) continue;
          const keyOf = (cell: ReleaseCell) => group.map((d) => cell[d] ?? '').join('|');
          const coarseGroups = new Map<string, ReleaseCell[]>();
          for (const cell of coarse.cells) coarseGroups.set(keyOf(cell), [...(coarseGroups.get(keyOf(cell)) ?? []), cell]);
          const hiddenByGroup = new Map<string, ReleaseCell[]>();
          for (const cell of fine.cells) if (cell.suppressed && hasData(cell)) hiddenByGroup.set(keyOf(cell), [...(hiddenByGroup.get(keyOf(cell)) ?? []), cell]);
          for (const [key, cells] of coarseGroups) {
            // The attacker can total the group only if none of its cells with data is hidden
            // (we even grant it the knowledge of which suppressed cells are empty).
            if (cells.some((c) => c.suppressed && hasData(c))) continue;
            const hidden = hiddenByGroup.get(key) ?? [];
            groupsChecked += 1;
            if (hidden.length === 0) continue;
            groupsWithHiddenCells += 1;
            const clients = new Set(hidden.flatMap(clientsIn).map((t) => t.name));
            clients.delete(K?.name ?? '');
            expect(clients.size, `${dimsOf(coarse).join(',')} vs ${dimsOf(fine).join(',')} group ${key}: hidden cells hold ${[...clients].join(',')}`).toBeGreaterThanOrEqual(4);
          }
        }
      }
    }
    expect(groupsChecked).toBeGreaterThan(50);
    // The attack had something to work on: X's cell is hidden, and its complements with it.
    expect(groupsWithHiddenCells).toBeGreaterThan(0);
    const byRegion = releases.find((r) => r.release.by.join() === 'industry,region');
    expect(byRegion?.cells.find((c) => c.industry === 'health' && c.region === 'otago')?.suppressed).toBe(true);
    expect(byRegion?.cells.find((c) => c.industry === 'health' && c.region === 'canterbury')?.suppressed).toBe(true);
    expect(byRegion?.cells.find((c) => c.industry === 'health' && c.region === 'wellington')?.suppressed).toBe(false);
  });

  it("cannot recover T's monthly responses by subtracting everyone else's exact figures, averaged over every release", () => {
    const T = truth.find((t) => t.name === 'T');
    if (!T) throw new Error('no T');
    const clip = 20;
    const tolerance = 3;
    let recovered = 0;
    let bound = 0;
    for (const month of months) {
      const estimates: number[] = [];
      let scale = Infinity;
      for (const doc of releases) {
        if (!dimsOf(doc).includes('month')) continue;
        const cell = doc.cells.find((c) => c.month === month && inCell(T, c));
        if (!cell || cell.suppressed || cell.responses === null) continue;
        const known = clientsIn(cell)
          .filter((t) => t.name !== 'T')
          .reduce((sum, t) => sum + Math.min(clip, t.perMonth), 0);
        estimates.push(cell.responses - known);
        scale = Math.min(scale, doc.release.noiseScale.responses);
      }
      expect(estimates.length, `published cells holding T in ${month}`).toBeGreaterThanOrEqual(9);
      const estimate = estimates.reduce((a, b) => a + b, 0) / estimates.length;
      if (Math.abs(estimate - T.perMonth) <= tolerance) recovered += 1;
      bound = Math.max(bound, ((tolerance + 0.5) * estimates.length) / scale);
    }
    // C(12,6) = 924: the chance that this test fails on a correct implementation.
    const failureChance = 924 * bound ** 6;
    expect(failureChance).toBeLessThan(1e-6);
    expect(recovered, `months where T's figure was recovered within ±${tolerance}`).toBeLessThan(6);
  });
});
