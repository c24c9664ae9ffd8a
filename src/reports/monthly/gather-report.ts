/**
 * The figures of a monthly report, for one person's scope (their client, their locations,
 * optionally one location and everything below it). Every figure comes from the same
 * functions as the API — the dashboard for the month and for the twelve months to it, the
 * fair rankings, the significance test — so the PDF shows what the portal shows.
 */
import { sql } from 'kysely';
import type { Access } from '../../accounts/index.ts';
import { findThemeTrend } from '../../comments/index.ts';
import type { Services } from '../../context.ts';
import { readWithLagFallback } from '../../db/replica.ts';
import { withAccessRead, type ClientId, type Trx } from '../../db/tenancy.ts';
import { scales } from '../../programmes/index.ts';
import { buildDashboard, chooseProgramme, findVisibleLocations, subtreeOf } from '../dashboard.ts';
import { localDay } from '../local-day.ts';
import type { RankingRow } from '../ranking-schemas.ts';
import { buildRankings, sumUnitHistograms } from '../rankings.ts';
import type { Dashboard } from '../schemas.ts';
import { momentsOf, welchTest, type ChangeTest } from '../significance.ts';
import { addHistogram } from '../statistics.ts';
import { addMonths, daysOfMonth, monthName, monthOfDay, type Month } from './calendar.ts';

const COMMENTS_SHOWN = 5;
const COMMENT_LENGTH = 220;
const ROWS_SHOWN = 10;

export interface MonthlyReport {
  clientName: string;
  month: Month;
  monthLabel: string;
  /** The day the figures were read, in the client's calendar (the month may be running). */
  asOf: string;
  scopeLabel: string;
  dashboard: Dashboard;
  previous: { month: Month; label: string; responses: number; score: number | null };
  change: ChangeTest | null;
  changeTest: string;
  history: { month: Month; responses: number; score: number | null }[];
  locations: RankingRow[];
  staff: RankingRow[];
  rankingRule: string;
  /** null when comment themes are not available in this installation. */
  themes: { name: string; comments: number; averageRatingPercent: number | null }[] | null;
  comments: { day: string; locationName: string; score: number; text: string }[];
}

export type GatherResult =
  | { ok: true; report: MonthlyReport }
  | { ok: false; reason: 'invalid_month'; message: string }
  | { ok: false; reason: 'location_not_found' | 'programme_not_found' };

/** Email addresses and phone-number-like runs of digits, which a customer may type into a comment. */
const contactPattern = /[^\s@]+@[^\s@]+\.[^\s@]+|\+?\d[\d\s().-]{6,}\d/g;

/** A comment as the report shows it: one line, contact details masked, at most COMMENT_LENGTH characters. */
export function shortenComment(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim().replace(contactPattern, '[removed]');
  return oneLine.length <= COMMENT_LENGTH ? oneLine : `${oneLine.slice(0, COMMENT_LENGTH - 1).trimEnd()}…`;
}

/** The month a client's reports can start from: its creation, or its first figures if older (imported history). */
export async function firstReportMonth(trx: Trx, clientId: ClientId, timezone: string, createdAt: Date): Promise<Month> {
  const first = await trx
    .selectFrom('feedback_monthly_rollups')
    .select((eb) => eb.fn.min('month').as('month'))
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  const created = monthOfDay(localDay(createdAt, timezone));
  const firstFigures = first?.month ? monthOfDay(first.month) : created;
  return firstFigures < created ? firstFigures : created;
}

interface Frame {
  clientName: string;
  timezone: string;
  today: string;
  locationIds: string[] | null;
  scopeLabel: string;
  locationNames: Map<string, string>;
  scoreKind: 'nps' | 'mean';
  range: { min: number; max: number };
  change: ChangeTest | null;
  comments: MonthlyReport['comments'];
}

type FrameResult = { ok: true; frame: Frame } | Exclude<GatherResult, { ok: true }>;

/** Checks the month and reads what the API functions do not give: the change test, a few comments. */
async function readFrame(services: Services, access: Access, month: Month, locationId: string | undefined): Promise<FrameResult> {
  return readWithLagFallback(services, (db) => withAccessRead(db, access, async (trx): Promise<FrameResult> => {
    const client = await trx.selectFrom('clients').select(['name', 'timezone', 'created_at']).where('id', '=', access.clientId).executeTakeFirstOrThrow();
    const today = localDay(new Date(), client.timezone);
    if (month > monthOfDay(today)) {
      return { ok: false, reason: 'invalid_month', message: `${monthName(month)} has not started yet: choose ${monthOfDay(today)} or an earlier month.` };
    }
    const first = await firstReportMonth(trx, access.clientId, client.timezone, client.created_at);
    if (month < first) {
      return { ok: false, reason: 'invalid_month', message: `There is no report for ${monthName(month)}: this business has figures from ${monthName(first)} (${first}) on.` };
    }

    const visible = await findVisibleLocations(trx, access);
    const location = locationId ? visible.find((l) => l.id === locationId) : undefined;
    if (locationId && !location) return { ok: false, reason: 'location_not_found' };
    const programme = await chooseProgramme(trx, access, visible, { location });
    if (!programme) return { ok: false, reason: 'programme_not_found' };
    const subtree = location ? subtreeOf(visible, location.id) : undefined;
    const inScope = visible.filter((l) => l.programmeId === programme.id && (!subtree || subtree.has(l.id)));
    const everyLocation = access.locationIds === null && inScope.length === visible.length;
    const filter = everyLocation ? null : inScope.map((l) => l.id);
    const scoreKind = programme.scale === 'nps_10' ? 'nps' : 'mean';
    const range = scales[programme.scale];

    const histogramOf = async (m: Month) => {
      const total: number[] = [];
      for (const row of await sumUnitHistograms(trx, access, daysOfMonth(m), filter)) {
        addHistogram(total, row.histogram.map((count, score) => (score >= range.min && score <= range.max ? count : 0)));
      }
      return total;
    };
    const change = welchTest(momentsOf(await histogramOf(month), scoreKind), momentsOf(await histogramOf(addMonths(month, -1)), scoreKind), scoreKind, range);

    const { from, to } = daysOfMonth(month);
    const ids = inScope.map((l) => l.id);
    const rows = ids.length
      ? await trx
          .selectFrom('feedback')
          .select(['location_id', 'score', 'comment', 'submitted_at'])
          .where('client_id', '=', access.clientId)
          .where('location_id', 'in', ids)
          .where('anonymised_at', 'is', null)
          .where('comment', '<>', '')
          .where('submitted_at', '>=', sql<Date>`(${from}::date::timestamp at time zone ${client.timezone})`)
          .where('submitted_at', '<', sql<Date>`((${to}::date + 1)::timestamp at time zone ${client.timezone})`)
          .orderBy('submitted_at', 'desc')
          .limit(COMMENTS_SHOWN)
          .execute()
      : [];
    const locationNames = new Map(visible.map((l) => [l.id, l.name]));
    const scopeLabel = location
      ? `${location.name}${subtree && subtree.size > 1 ? ' and the locations below it' : ''}`
      : access.locationIds === null
        ? 'All locations'
        : `Your locations (${inScope.length})`;
    return {
      ok: true,
      frame: {
        clientName: client.name,
        timezone: client.timezone,
        today,
        locationIds: filter,
        scopeLabel,
        locationNames,
        scoreKind,
        range,
        change,
        comments: rows.map((r) => ({
          day: localDay(r.submitted_at, client.timezone),
          locationName: locationNames.get(r.location_id) ?? '',
          score: r.score,
          text: shortenComment(r.comment),
        })),
      },
    };
  }), (result) => !result.ok && result.reason !== 'invalid_month');
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f + 0;
}

/** The monthly report of `month` for `access` (and `locationId` with everything below it, within the scope). */
export async function gatherMonthlyReport(services: Services, access: Access, input: { month: Month; locationId?: string | undefined }): Promise<GatherResult> {
  const framed = await readFrame(services, access, input.month, input.locationId);
  if (!framed.ok) return framed;
  const { frame } = framed;
  const { from, to } = daysOfMonth(input.month);
  const scope = { locationId: input.locationId };

  const current = await buildDashboard(services, access, { from, to, ...scope });
  const firstOfYear = daysOfMonth(addMonths(input.month, -11)).from;
  const year = await buildDashboard(services, access, { from: firstOfYear, to, interval: 'month', ...scope });
  if (!current.ok) return current.reason === 'invalid_period' ? { ok: false, reason: 'invalid_month', message: current.message } : current;
  if (!year.ok) return year.reason === 'invalid_period' ? { ok: false, reason: 'invalid_month', message: year.message } : year;
  const history = year.dashboard.trend.map((bucket) => ({ month: monthOfDay(bucket.start), responses: bucket.responses, score: bucket.score?.value ?? null }));
  const previousMonth = addMonths(input.month, -1);
  const previousBucket = history.find((h) => h.month === previousMonth);

  const byLocation = await buildRankings(services, access, { from, to, by: 'location', ...scope });
  const byStaff = await buildRankings(services, access, { from, to, by: 'staff', ...scope });
  if (!byLocation.ok) return byLocation.reason === 'invalid_period' ? { ok: false, reason: 'invalid_month', message: byLocation.message } : byLocation;
  if (!byStaff.ok) return byStaff.reason === 'invalid_period' ? { ok: false, reason: 'invalid_month', message: byStaff.message } : byStaff;

  const themed = await findThemeTrend(services, access, { from, to, interval: 'month', locationId: input.locationId });
  const themes = themed.ok
    ? themed.trend.themes
        .filter((t) => t.total.comments > 0)
        .sort((a, b) => b.total.comments - a.total.comments || a.name.localeCompare(b.name))
        .map((t) => ({ name: t.name, comments: t.total.comments, averageRatingPercent: t.total.averageRatingPercent }))
    : null;

  const digits = frame.scoreKind === 'nps' ? 1 : 2;
  return {
    ok: true,
    report: {
      clientName: frame.clientName,
      month: input.month,
      monthLabel: monthName(input.month),
      asOf: frame.today,
      scopeLabel: frame.scopeLabel,
      dashboard: current.dashboard,
      previous: {
        month: previousMonth,
        label: monthName(previousMonth),
        responses: previousBucket?.responses ?? 0,
        score: previousBucket?.score ?? null,
      },
      change: frame.change && { ...frame.change, difference: round(frame.change.difference, digits), pValue: round(frame.change.pValue, 4) },
      changeTest: byLocation.rankings.changeTest,
      history,
      locations: byLocation.rankings.rows.filter((r) => r.rank !== null).slice(0, ROWS_SHOWN),
      staff: byStaff.rankings.rows.filter((r) => r.rank !== null).slice(0, ROWS_SHOWN),
      rankingRule: byLocation.rankings.ranking,
      themes,
      comments: frame.comments,
    },
  };
}
