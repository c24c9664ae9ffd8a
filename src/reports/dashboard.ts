/**
 * The dashboard: a programme's figures for a period and a location scope, read from the
 * rollups only (never raw feedback): monthly, per location and day, and daily at the edges
 * of months (see `sumRollups`), in one or two grouped scans.
 *
 * Which programme: `programmeId` when given; else the programme of `locationId`; else the
 * programme with the most locations the caller can see (most clients have one). Scores of
 * different scales cannot be pooled, so only that programme's locations count.
 *
 * Scope: every query runs under `withAccessRead` (row-level security on client and locations,
 * read-only: on the read replica when there is one, see docs/scaling.md)
 * and also filters by the caller's location ids explicitly; `locationId` narrows to that
 * location and everything below it, and one outside the caller's reach is not found.
 */
import { sql } from 'kysely';
import type { Access } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import type { Channel, Scale } from '../db/schema.ts';
import { readWithLagFallback } from '../db/replica.ts';
import { withAccessRead, type Trx } from '../db/tenancy.ts';
import { scales } from '../programmes/index.ts';
import { localDay } from './local-day.ts';
import type { Dashboard, DashboardQuery } from './schemas.ts';
import {
  addHistogram,
  countResponses,
  meanScore,
  netPromoterScore,
  rankByLowerBound,
  rankingRule,
  topBoxShare,
  type Estimate,
  type Histogram,
  type ScoreRange,
} from './statistics.ts';

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const channels: readonly Channel[] = ['sms', 'web', 'qr', 'kiosk', 'api', 'email'];

export type TrendInterval = 'day' | 'week' | 'month';

export type DashboardResult =
  | { ok: true; dashboard: Dashboard }
  | { ok: false; reason: 'invalid_period'; message: string }
  | { ok: false; reason: 'location_not_found' | 'programme_not_found' };

// ── Calendar (days as YYYY-MM-DD, computed in UTC so no timezone shifts them) ──────────────

function toDate(day: string): Date {
  const [y = 0, m = 1, d = 1] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

function toDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  const date = toDate(day);
  date.setUTCDate(date.getUTCDate() + days);
  return toDay(date);
}

/** Days from `from` to `to`, both included. */
export function daysInPeriod(from: string, to: string): number {
  return Math.round((toDate(to).getTime() - toDate(from).getTime()) / 86_400_000) + 1;
}

/** The last day a period starting on `from` may end: the day before the same date 3 years on. */
function latestEnd(from: string): string {
  const date = toDate(from);
  date.setUTCFullYear(date.getUTCFullYear() + 3);
  return addDays(toDay(date), -1);
}

/** The first day after the calendar bucket (day, Monday-to-Sunday week, month) holding `day`. */
function nextBucketStart(day: string, interval: TrendInterval): string {
  const date = toDate(day);
  if (interval === 'day') return addDays(day, 1);
  if (interval === 'week') return addDays(day, 7 - ((date.getUTCDay() + 6) % 7));
  return toDay(new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)));
}

/** Every bucket of the period in order; the first and last may be partial weeks or months. */
export function trendBuckets(from: string, to: string, interval: TrendInterval): { start: string; end: string }[] {
  const buckets: { start: string; end: string }[] = [];
  for (let start = from; start <= to; ) {
    const next = nextBucketStart(start, interval);
    const end = addDays(next, -1);
    buckets.push({ start, end: end < to ? end : to });
    start = next;
  }
  return buckets;
}

export type ResolvedPeriod = { ok: true; from: string; to: string; interval: TrendInterval } | { ok: false; message: string };

/**
 * The period and trend interval of a request: the last 30 days to `today` (the client's)
 * unless given, at most 3 years long; day buckets up to 31 days, weeks up to 190, months
 * beyond unless asked otherwise.
 */
export function resolvePeriod(query: Pick<DashboardQuery, 'from' | 'to' | 'interval'>, today: string): ResolvedPeriod {
  const to = query.to ?? (query.from && query.from > today ? query.from : today);
  const from = query.from ?? addDays(to, -29);
  if (from > to) return { ok: false, message: `The period starts (from ${from}) after it ends (to ${to}): choose a start on or before the end.` };
  const latest = latestEnd(from);
  if (to > latest) {
    return { ok: false, message: `The period may cover at most 3 years: from ${from}, choose a 'to' on or before ${latest}.` };
  }
  const days = daysInPeriod(from, to);
  const interval = query.interval ?? (days <= 31 ? 'day' : days <= 190 ? 'week' : 'month');
  return { ok: true, from, to, interval };
}

// ── Queries ──────────────────────────────────────────────────────────────────────────────

export interface LocationInfo {
  id: string;
  name: string;
  parentId: string | null;
  programmeId: string;
  listed: boolean;
}

/** The client's locations the caller may see (row-level security, and the scope again here). */
export async function findVisibleLocations(trx: Trx, access: Access): Promise<LocationInfo[]> {
  if (access.locationIds !== null && access.locationIds.length === 0) return [];
  let query = trx
    .selectFrom('locations')
    .select(['id', 'name', 'parent_id', 'programme_id', 'active', 'archived_at'])
    .where('client_id', '=', access.clientId);
  if (access.locationIds !== null) query = query.where('id', 'in', access.locationIds);
  const rows = await query.orderBy('name').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, parentId: r.parent_id, programmeId: r.programme_id, listed: r.active && !r.archived_at }));
}

/** `root` and every location below it, among `locations`. */
export function subtreeOf(locations: readonly LocationInfo[], root: string): Set<string> {
  const children = new Map<string, string[]>();
  for (const l of locations) {
    if (!l.parentId) continue;
    const siblings = children.get(l.parentId);
    if (siblings) siblings.push(l.id);
    else children.set(l.parentId, [l.id]);
  }
  const found = new Set<string>([root]);
  const queue = [root];
  for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
    for (const child of children.get(id) ?? []) {
      if (!found.has(child)) {
        found.add(child);
        queue.push(child);
      }
    }
  }
  return found;
}

interface ProgrammeInfo {
  id: string;
  name: string;
  scale: Scale;
}

/** The programme asked for, else that of the location, else the one with the most visible locations. */
export async function chooseProgramme(
  trx: Trx,
  access: Access,
  locations: readonly LocationInfo[],
  asked: { programmeId?: string | undefined; location?: LocationInfo | undefined },
): Promise<ProgrammeInfo | undefined> {
  const programmes = await trx
    .selectFrom('programmes')
    .select(['id', 'name', 'scale'])
    .where('client_id', '=', access.clientId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  if (asked.programmeId) return programmes.find((p) => p.id === asked.programmeId);
  if (asked.location) return programmes.find((p) => p.id === asked.location?.programmeId);
  const counts = new Map<string, number>();
  for (const l of locations) counts.set(l.programmeId, (counts.get(l.programmeId) ?? 0) + 1);
  let best = programmes[0];
  for (const p of programmes) if ((counts.get(p.id) ?? 0) > (counts.get(best?.id ?? '') ?? 0)) best = p;
  return best;
}

interface GroupRow {
  /**
   * What the group sums: 'trend' a (trend key, channel), 'location' a location,
   * 'sub_measure' a (location, sub-measure), 'location_sub' a (location, sub-measure) that
   * counts toward both its location and its sub-measure (nil: none).
   */
  kind: 'trend' | 'location' | 'sub_measure' | 'location_sub';
  /** The day of a trend group, or with monthly trend buckets the first day of its bucket. */
  day: string | null;
  channel: Channel | null;
  location_id: string | null;
  sub_measure_key: string | null;
  /** Responses of any score (what makes a group exist; 0 when months less days cancel out). */
  responses: number;
  histogram: number[];
}

function monthStart(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

function monthEnd(day: string): string {
  return addDays(nextBucketStart(day, 'month'), -1);
}

/** Rollups to add up: whole months of the monthly table, and days of the daily table, each added (+1) or taken away (−1). */
interface RollupPlan {
  months: { from: string; to: string } | null;
  days: { from: string; to: string; sign: 1 | -1 }[];
}

/**
 * How to add up a period from the monthly rollups: its whole months from them; a month
 * the period covers only in part from the daily rows of its days in the period, or, when
 * that reads fewer days, as the whole month less the daily rows of its days outside the
 * period. At most about a month of daily rows is read, however long the period.
 */
export function planRollups(from: string, to: string): RollupPlan {
  const plan: RollupPlan = { months: null, days: [] };
  let firstMonth = monthStart(from);
  let lastMonth = monthStart(to);
  const edges = firstMonth === lastMonth ? [firstMonth] : [firstMonth, lastMonth];
  for (const month of edges) {
    const start = month > from ? month : from;
    const end = monthEnd(month) < to ? monthEnd(month) : to;
    if (start === month && end === monthEnd(month)) continue; // whole
    const inside = daysInPeriod(start, end);
    const outside = daysInPeriod(month, monthEnd(month)) - inside;
    if (inside <= outside) {
      plan.days.push({ from: start, to: end, sign: 1 });
      if (month === firstMonth) firstMonth = nextBucketStart(month, 'month');
      if (month === lastMonth) lastMonth = monthStart(addDays(month, -1));
    } else {
      if (start > month) plan.days.push({ from: month, to: addDays(start, -1), sign: -1 });
      if (end < monthEnd(month)) plan.days.push({ from: addDays(end, 1), to: monthEnd(month), sign: -1 });
    }
  }
  if (firstMonth <= lastMonth) plan.months = { from: firstMonth, to: lastMonth };
  return plan;
}

/**
 * The rollups of the period and locations, summed by trend key and channel, by location and
 * by sub-measure in a few grouped scans (grouping sets); totals, channels, trend buckets
 * and tables are added up from these few rows in code. Only the histogram elements of the
 * scale's scores are summed, each as a column (no unnest). Never the daily rollups of a
 * whole long period, which for a year of 50 locations are ~185,000 rows:
 *
 *  - month buckets: everything from the monthly rollups, as whole months plus or minus the
 *    daily rollups at the period's edges (`planRollups`), the trend key being the first day
 *    of the bucket: a year of 50 locations is ~7,000 rows;
 *  - day and week buckets: the trend and the locations from the rollups per location, day
 *    and channel (no sub-measures; a fifth to a quarter of the daily rows), and the
 *    sub-measures from the monthly rollups as above.
 *
 * The planner, misled by the table-wide statistics of a multi-tenant table, expects many
 * groups and would sort every row (spilling wide rows to disk) instead of hashing; the
 * groups are in fact few (days × channels, locations × sub-measures), so this transaction
 * allows the hash tables enough memory. JIT compilation is turned off for it: on a large
 * client it cost more (up to ~0.6 s) than it saved on this simple aggregate.
 *
 * `locationIds` null: every location of the client, with no filter on location.
 */
async function sumRollups(
  trx: Trx,
  access: Access,
  period: { from: string; to: string; interval: TrendInterval },
  range: ScoreRange,
  locationIds: readonly string[] | null,
): Promise<GroupRow[]> {
  if (locationIds?.length === 0) return [];
  await sql`select set_config('work_mem', '64MB', true), set_config('jit', 'off', true)`.execute(trx);
  const histogram = sql.join(
    Array.from({ length: 11 }, (_, score) =>
      score >= range.min && score <= range.max ? sql`sum(r.sign * r.score_histogram[${sql.lit(score + 1)}])::int` : sql`0`,
    ),
  );
  const inLocations = (alias: string) =>
    locationIds ? sql`and ${sql.ref(`${alias}.location_id`)} = any(${locationIds as string[]}::uuid[])` : sql``;
  const from = sql`${period.from}::date`;

  /** Whole months from the monthly rollups, plus or minus days from the daily ones, keyed by month bucket. */
  const monthsAndEdges = (where: ReturnType<typeof sql>) => {
    const plan = planRollups(period.from, period.to);
    const parts = [];
    if (plan.months) {
      parts.push(sql`
        select greatest(m.month, ${from}) as key, m.channel, m.location_id, m.sub_measure_key, 1 as sign, m.responses, m.score_histogram
        from feedback_monthly_rollups m
        where m.client_id = ${access.clientId} ${inLocations('m')} ${where}
          and m.month between ${plan.months.from}::date and ${plan.months.to}::date`);
    }
    for (const days of plan.days) {
      parts.push(sql`
        select greatest(date_trunc('month', m.day::timestamp)::date, ${from}) as key, m.channel, m.location_id, m.sub_measure_key,
               ${sql.lit(days.sign)} as sign, m.responses, m.score_histogram
        from feedback_daily_rollups m
        where m.client_id = ${access.clientId} ${inLocations('m')} ${where}
          and m.day between ${days.from}::date and ${days.to}::date`);
    }
    return sql.join(parts, sql` union all `);
  };

  if (period.interval === 'month') {
    const { rows } = await sql<GroupRow>`
      select case when grouping(r.key) = 0 then 'trend' else 'location_sub' end as kind,
             r.key as day, r.channel, r.location_id, r.sub_measure_key,
             sum(r.sign * r.responses)::int as responses, array[${histogram}]::int[] as histogram
      from (${monthsAndEdges(sql``)}) r
      group by grouping sets ((r.key, r.channel), (r.location_id, r.sub_measure_key))`.execute(trx);
    return rows;
  }
  const { rows: byDayAndLocation } = await sql<GroupRow>`
    select case when grouping(r.day) = 0 then 'trend' else 'location' end as kind,
           r.day, r.channel, r.location_id, null as sub_measure_key,
           sum(r.responses)::int as responses, array[${histogram}]::int[] as histogram
    from (select l.*, 1 as sign from feedback_location_daily_rollups l
          where l.client_id = ${access.clientId} ${inLocations('l')}
            and l.day between ${from} and ${period.to}::date) r
    group by grouping sets ((r.day, r.channel), (r.location_id))`.execute(trx);
  const { rows: bySubMeasure } = await sql<GroupRow>`
    select 'sub_measure' as kind, null as day, null as channel, r.location_id, r.sub_measure_key,
           sum(r.sign * r.responses)::int as responses, array[${histogram}]::int[] as histogram
    from (${monthsAndEdges(sql`and m.sub_measure_key <> ${NIL_UUID}::uuid`)}) r
    group by r.location_id, r.sub_measure_key`.execute(trx);
  return [...byDayAndLocation, ...bySubMeasure];
}

async function findSubMeasures(trx: Trx, access: Access, locationIds: readonly string[]) {
  if (locationIds.length === 0) return [];
  return trx
    .selectFrom('sub_measures')
    .select(['id', 'name', 'location_id', 'active', 'archived_at'])
    .where('client_id', '=', access.clientId)
    .where('location_id', 'in', locationIds)
    .execute();
}

// ── Presenting ───────────────────────────────────────────────────────────────────────────

function rounded(estimate: Estimate | null, digits: number): Estimate | null {
  if (!estimate) return null;
  const f = 10 ** digits;
  const round = (x: number) => Math.round(x * f) / f + 0; // + 0 turns -0 into 0
  return { value: round(estimate.value), low: round(estimate.low), high: round(estimate.high) };
}

/**
 * Whether a failed read may be the read replica lagging: a programme or location made a
 * moment ago is not there yet. (A bad period is bad on any database.)
 */
export function mayBeLag(result: { ok: true } | { ok: false; reason: string }): boolean {
  return !result.ok && result.reason !== 'invalid_period';
}

/**
 * The dashboard of `access`'s client for a period and scope. Expected failures (a bad
 * period, a location or programme out of reach) come back as typed results.
 */
export async function buildDashboard(services: Services, access: Access, query: DashboardQuery): Promise<DashboardResult> {
  return readWithLagFallback(services, (db) => withAccessRead(db, access, async (trx): Promise<DashboardResult> => {
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
    const ids = inScope.map((l) => l.id);
    // An owner's or admin's whole client in its one programme needs no location filter.
    const everyLocation = access.locationIds === null && inScope.length === visible.length;
    const scale = scales[programme.scale];
    const groups = await sumRollups(trx, access, period, scale, everyLocation ? null : ids);
    const subMeasures = await findSubMeasures(trx, access, ids);

    const isNps = programme.scale === 'nps_10';
    // Tables rank on unrounded figures; what is shown is rounded (NPS to 0.1, means to 0.01).
    const estimateOf = (h: Histogram) => (isNps ? netPromoterScore(h) : meanScore(h, scale));
    const digits = isNps ? 1 : 2;
    const scoreOf = (h: Histogram) => rounded(estimateOf(h), digits);

    const total: number[] = [];
    const byChannel = new Map<Channel, number>();
    const byDay = new Map<string, number[]>();
    const byLocation = new Map<string, number[]>();
    const bySubMeasure = new Map<string, Histogram>();
    for (const g of groups) {
      if (g.kind === 'trend') {
        if (!g.day || !g.channel) continue;
        addHistogram(total, g.histogram);
        byChannel.set(g.channel, (byChannel.get(g.channel) ?? 0) + countResponses(g.histogram));
        byDay.set(g.day, addHistogram(byDay.get(g.day) ?? [], g.histogram));
        continue;
      }
      // A location or sub-measure with figures in the period (months less days may leave none).
      if (!g.location_id || g.responses === 0) continue;
      if (g.kind === 'location' || g.kind === 'location_sub') {
        byLocation.set(g.location_id, addHistogram(byLocation.get(g.location_id) ?? [], g.histogram));
      }
      if ((g.kind === 'sub_measure' || g.kind === 'location_sub') && g.sub_measure_key && g.sub_measure_key !== NIL_UUID) {
        bySubMeasure.set(g.sub_measure_key, g.histogram);
      }
    }

    const trend = trendBuckets(period.from, period.to, period.interval).map((bucket) => {
      const histogram: number[] = [];
      for (let day = bucket.start; day <= bucket.end; day = addDays(day, 1)) {
        const h = byDay.get(day);
        if (h) addHistogram(histogram, h);
      }
      return { ...bucket, responses: countResponses(histogram), score: scoreOf(histogram) };
    });

    const names = new Map(inScope.map((l) => [l.id, l.name]));
    const locationRows = rankByLowerBound(
      inScope
        .filter((l) => l.listed || byLocation.has(l.id))
        .map((l) => {
          const h = byLocation.get(l.id) ?? [];
          return { id: l.id, name: l.name, parentId: l.parentId, responses: countResponses(h), score: estimateOf(h) };
        }),
    );
    const subMeasureRows = rankByLowerBound(
      subMeasures
        .filter((s) => (s.active && !s.archived_at) || bySubMeasure.has(s.id))
        .map((s) => {
          const h = bySubMeasure.get(s.id) ?? [];
          return { id: s.id, name: s.name, locationId: s.location_id, locationName: names.get(s.location_id) ?? '', responses: countResponses(h), score: estimateOf(h) };
        }),
    );
    const channelCounts = channels.map((channel) => ({ channel, responses: byChannel.get(channel) ?? 0 }));
    const text = byChannel.get('sms') ?? 0;
    const responses = countResponses(total);

    return {
      ok: true,
      dashboard: {
        programme: { id: programme.id, name: programme.name },
        scale: programme.scale,
        scoreKind: isNps ? 'nps' : 'mean',
        period: { from: period.from, to: period.to },
        interval: period.interval,
        responses,
        score: scoreOf(total),
        topBox: isNps ? null : rounded(topBoxShare(total, scale), 1),
        channels: channelCounts,
        textVsOnline: { text, online: responses - text },
        trend,
        locations: locationRows.map((r) => ({ ...r, score: rounded(r.score, digits) })),
        subMeasures: subMeasureRows.map((r) => ({ ...r, score: rounded(r.score, digits) })),
        ranking: rankingRule,
      },
    };
  }), mayBeLag);
}
