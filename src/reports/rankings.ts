/**
 * Fair rankings of locations and staff members (sub-measures), and the change of a score
 * against the previous period, from the rollups only (monthly rows, with the daily rows at
 * the edges of the period, as the dashboard reads them).
 *
 * Ranking: by the score shrunk towards the mean of the table (empirical Bayes, see
 * `shrinkTowardsMean`) unless the lower bound of the 95% interval is asked for; ties by the
 * lower bound, then by count. Scope: as the dashboard (`withAccessRead`, and the caller's
 * locations again in every query).
 */
import { sql } from 'kysely';
import type { Access } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import { readWithLagFallback } from '../db/replica.ts';
import { withAccessRead, type Trx } from '../db/tenancy.ts';
import { scales } from '../programmes/index.ts';
import { addDays, chooseProgramme, daysInPeriod, findVisibleLocations, mayBeLag, planRollups, resolvePeriod, subtreeOf, type LocationInfo } from './dashboard.ts';
import { localDay } from './local-day.ts';
import type { ChangeQuery, RankingRow, Rankings, RankingsQuery, ScoreChange } from './ranking-schemas.ts';
import { changeTestDescription, momentsOf, shrinkTowardsMean, welchTest, type ChangeTest, type ScoreKind } from './significance.ts';
import { addHistogram, countResponses, meanScore, netPromoterScore, type Estimate, type Histogram, type ScoreRange } from './statistics.ts';

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export type RankingsResult =
  | { ok: true; rankings: Rankings }
  | { ok: false; reason: 'invalid_period'; message: string }
  | { ok: false; reason: 'location_not_found' | 'programme_not_found' };

export type ScoreChangeResult =
  | { ok: true; change: ScoreChange }
  | { ok: false; reason: 'invalid_period'; message: string }
  | { ok: false; reason: 'location_not_found' | 'programme_not_found' };

interface Period {
  from: string;
  to: string;
}

/** The equal-length period just before `period`. */
export function previousPeriodOf(period: Period): Period {
  const days = daysInPeriod(period.from, period.to);
  return { from: addDays(period.from, -days), to: addDays(period.from, -1) };
}

interface UnitHistogram {
  location_id: string;
  sub_measure_key: string;
  histogram: number[];
}

/**
 * Histograms per (location, sub-measure) over a period: whole months from the monthly
 * rollups, plus or minus daily rows at the edges (`planRollups`). `locationIds` null: every
 * location of the client.
 */
export async function sumUnitHistograms(trx: Trx, access: Access, period: Period, locationIds: readonly string[] | null): Promise<UnitHistogram[]> {
  if (locationIds?.length === 0) return [];
  const plan = planRollups(period.from, period.to);
  const inLocations = locationIds ? sql`and r.location_id = any(${locationIds as string[]}::uuid[])` : sql``;
  const parts = [];
  if (plan.months) {
    parts.push(sql`select r.location_id, r.sub_measure_key, 1 as sign, r.score_histogram from feedback_monthly_rollups r
      where r.client_id = ${access.clientId} ${inLocations} and r.month between ${plan.months.from}::date and ${plan.months.to}::date`);
  }
  for (const days of plan.days) {
    parts.push(sql`select r.location_id, r.sub_measure_key, ${sql.lit(days.sign)} as sign, r.score_histogram from feedback_daily_rollups r
      where r.client_id = ${access.clientId} ${inLocations} and r.day between ${days.from}::date and ${days.to}::date`);
  }
  if (parts.length === 0) return [];
  const histogram = sql.join(Array.from({ length: 11 }, (_, i) => sql`sum(u.sign * u.score_histogram[${sql.lit(i + 1)}])::int`));
  const { rows } = await sql<UnitHistogram>`
    select u.location_id, u.sub_measure_key, array[${histogram}]::int[] as histogram
    from (${sql.join(parts, sql` union all `)}) u
    group by u.location_id, u.sub_measure_key`.execute(trx);
  return rows;
}

/** Keeps only the scores of the scale (rollups of other programmes' scales never mix in, but be strict). */
function onScale(histogram: Histogram, range: ScoreRange): number[] {
  return Array.from({ length: 11 }, (_, s) => (s >= range.min && s <= range.max ? (histogram[s] ?? 0) : 0));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f + 0;
}

function roundedEstimate(e: Estimate | null, digits: number): Estimate | null {
  return e && { value: round(e.value, digits), low: round(e.low, digits), high: round(e.high, digits) };
}

function presentChange(test: ChangeTest | null, digits: number) {
  return test && { ...test, difference: round(test.difference, digits), t: round(test.t, 3), pValue: round(test.pValue, 4) };
}

interface Scope {
  programme: { id: string; name: string; scale: keyof typeof scales };
  kind: ScoreKind;
  range: ScoreRange;
  inScope: LocationInfo[];
  /** null: every location of the client (no filter needed). */
  filter: string[] | null;
}

type ScopeResult = { ok: true; scope: Scope; period: Period } | Exclude<RankingsResult, { ok: true }>;

/** The period, programme and locations of a request, as the dashboard chooses them. */
async function resolveScope(trx: Trx, access: Access, query: ChangeQuery): Promise<ScopeResult> {
  const client = await trx.selectFrom('clients').select('timezone').where('id', '=', access.clientId).executeTakeFirstOrThrow();
  const period = resolvePeriod(query, localDay(new Date(), client.timezone));
  if (!period.ok) return { ok: false, reason: 'invalid_period', message: period.message };
  const visible = await findVisibleLocations(trx, access);
  const location = query.locationId ? visible.find((l) => l.id === query.locationId) : undefined;
  if (query.locationId && !location) return { ok: false, reason: 'location_not_found' };
  const programme = await chooseProgramme(trx, access, visible, { programmeId: query.programmeId, location });
  if (!programme) return { ok: false, reason: 'programme_not_found' };
  const subtree = location ? subtreeOf(visible, location.id) : undefined;
  const inScope = visible.filter((l) => l.programmeId === programme.id && (!subtree || subtree.has(l.id)));
  const everyLocation = access.locationIds === null && inScope.length === visible.length;
  const kind: ScoreKind = programme.scale === 'nps_10' ? 'nps' : 'mean';
  return {
    ok: true,
    period: { from: period.from, to: period.to },
    scope: { programme, kind, range: scales[programme.scale], inScope, filter: everyLocation ? null : inScope.map((l) => l.id) },
  };
}

function estimateOf(histogram: Histogram, kind: ScoreKind, range: ScoreRange): Estimate | null {
  return kind === 'nps' ? netPromoterScore(histogram) : meanScore(histogram, range);
}

const ruleText = {
  shrunk:
    "Ranked by the score shrunk towards the mean of this table (empirical Bayes): a score from few responses counts for little until more come in, so a few lucky answers cannot top the table. Ties go to the higher lower bound of the 95% interval, then to more responses; rows without responses come last.",
  lower_bound:
    'Ranked by the lower bound of the 95% confidence interval (highest first), then by number of responses, so a few lucky answers cannot top the table; rows without responses come last.',
} as const;

/** The ranked location or staff table of `access`'s client for a period and scope. */
export async function buildRankings(services: Services, access: Access, query: RankingsQuery): Promise<RankingsResult> {
  return readWithLagFallback(services, (db) => withAccessRead(db, access, async (trx): Promise<RankingsResult> => {
    const resolved = await resolveScope(trx, access, query);
    if (!resolved.ok) return resolved;
    const { scope, period } = resolved;
    const { kind, range } = scope;
    const previousPeriod = previousPeriodOf(period);
    const ids = scope.inScope.map((l) => l.id);
    const [current, previous] = [
      await sumUnitHistograms(trx, access, period, scope.filter),
      await sumUnitHistograms(trx, access, previousPeriod, scope.filter),
    ];
    const keyOf = (r: UnitHistogram) => (query.by === 'location' ? r.location_id : r.sub_measure_key);
    const collect = (rows: UnitHistogram[]) => {
      const byUnit = new Map<string, number[]>();
      for (const r of rows) {
        if (query.by === 'staff' && r.sub_measure_key === NIL_UUID) continue;
        byUnit.set(keyOf(r), addHistogram(byUnit.get(keyOf(r)) ?? [], onScale(r.histogram, range)));
      }
      return byUnit;
    };
    const now = collect(current);
    const before = collect(previous);

    const names = new Map(scope.inScope.map((l) => [l.id, l.name]));
    let units: { id: string; name: string; locationId: string; listed: boolean }[];
    if (query.by === 'location') {
      units = scope.inScope.map((l) => ({ id: l.id, name: l.name, locationId: l.id, listed: l.listed }));
    } else {
      const subMeasures = ids.length
        ? await trx
            .selectFrom('sub_measures')
            .select(['id', 'name', 'location_id', 'active', 'archived_at'])
            .where('client_id', '=', access.clientId)
            .where('location_id', 'in', ids)
            .execute()
        : [];
      units = subMeasures.map((s) => ({ id: s.id, name: s.name, locationId: s.location_id, listed: s.active && !s.archived_at }));
    }
    units = units.filter((u) => u.listed || now.has(u.id));

    const histograms = units.map((u) => now.get(u.id) ?? []);
    const moments = histograms.map((h) => momentsOf(h, kind));
    const shrinkage = shrinkTowardsMean(moments, kind, range);
    const digits = kind === 'nps' ? 1 : 2;
    const rows = units.map((u, i) => {
      const h = histograms[i] ?? [];
      const prior = before.get(u.id) ?? [];
      const estimate = estimateOf(h, kind, range);
      return {
        unit: u,
        estimate,
        shrunk: shrinkage.shrunk[i] ?? null,
        responses: countResponses(h),
        previousResponses: countResponses(prior),
        previousScore: estimateOf(prior, kind, range),
        change: welchTest(momentsOf(h, kind), momentsOf(prior, kind), kind, range),
      };
    });
    const rule = query.rule ?? 'shrunk';
    const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;
    rows.sort((a, b) => {
      if (!a.estimate || !b.estimate) {
        if (a.estimate) return -1;
        if (b.estimate) return 1;
        return a.unit.name.localeCompare(b.unit.name);
      }
      if (rule === 'shrunk' && a.shrunk !== null && b.shrunk !== null && !near(a.shrunk, b.shrunk)) return b.shrunk - a.shrunk;
      if (!near(a.estimate.low, b.estimate.low)) return b.estimate.low - a.estimate.low;
      if (a.responses !== b.responses) return b.responses - a.responses;
      return a.unit.name.localeCompare(b.unit.name);
    });
    const presented: RankingRow[] = rows.map((r, i) => ({
      rank: r.estimate ? i + 1 : null,
      id: r.unit.id,
      name: r.unit.name,
      locationId: r.unit.locationId,
      locationName: names.get(r.unit.locationId) ?? '',
      responses: r.responses,
      score: roundedEstimate(r.estimate, digits),
      shrunk: r.shrunk === null ? null : round(r.shrunk, digits),
      previous: { responses: r.previousResponses, score: r.previousScore ? round(r.previousScore.value, digits) : null },
      change: presentChange(r.change, digits),
    }));
    return {
      ok: true,
      rankings: {
        programme: { id: scope.programme.id, name: scope.programme.name },
        scale: scope.programme.scale,
        scoreKind: kind,
        by: query.by,
        period,
        previousPeriod,
        rule,
        ranking: ruleText[rule],
        shrinkage: {
          mean: moments.some((m) => m.n > 0) ? round(shrinkage.mean, digits) : null,
          betweenVariance: round(shrinkage.between, 4),
          withinVariance: round(shrinkage.within, 4),
        },
        changeTest: changeTestDescription,
        rows: presented,
      },
    };
  }), mayBeLag);
}

/** The headline score of a period and scope against the previous equal-length period. */
export async function buildScoreChange(services: Services, access: Access, query: ChangeQuery): Promise<ScoreChangeResult> {
  return readWithLagFallback(services, (db) => withAccessRead(db, access, async (trx): Promise<ScoreChangeResult> => {
    const resolved = await resolveScope(trx, access, query);
    if (!resolved.ok) return resolved;
    const { scope, period } = resolved;
    const previousPeriod = previousPeriodOf(period);
    const total = async (p: Period) => {
      const h: number[] = [];
      for (const r of await sumUnitHistograms(trx, access, p, scope.filter)) addHistogram(h, onScale(r.histogram, scope.range));
      return h;
    };
    const now = await total(period);
    const before = await total(previousPeriod);
    const digits = scope.kind === 'nps' ? 1 : 2;
    return {
      ok: true,
      change: {
        programme: { id: scope.programme.id, name: scope.programme.name },
        scoreKind: scope.kind,
        period,
        previousPeriod,
        current: { responses: countResponses(now), score: roundedEstimate(estimateOf(now, scope.kind, scope.range), digits) },
        previous: { responses: countResponses(before), score: roundedEstimate(estimateOf(before, scope.kind, scope.range), digits) },
        change: presentChange(welchTest(momentsOf(now, scope.kind), momentsOf(before, scope.kind), scope.kind, scope.range), digits),
        changeTest: changeTestDescription,
      },
    };
  }), mayBeLag);
}
