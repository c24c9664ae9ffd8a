/**
 * A client's benchmark: its score's percentile within its cell and the cell's quartiles,
 * or the rule that hides the cell. Computed by the database from the monthly rollups of
 * every client in the cell through one SECURITY DEFINER function (migration 0014), so the
 * application role never reads another client's rows.
 */
import { withAccess, type Access } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import { readWithLagFallback } from '../db/replica.ts';
import { withAccessRead } from '../db/tenancy.ts';
import { localDay } from '../reports/index.ts';
import { explainHidden, thresholds } from './cells.ts';
import { findBenchmarkCell, findBenchmarkProfile, findMainScoreKind, saveBenchmarkProfile } from './queries.ts';
import { profileLists, type BenchmarkProfile, type Benchmarks, type BenchmarksQuery, type UpdateBenchmarkProfile } from './schemas.ts';

export type BenchmarksResult =
  | { ok: true; benchmarks: Benchmarks }
  | { ok: false; reason: 'invalid_period'; message: string }
  | { ok: false; reason: 'whole_business_only' };

export interface MonthPeriod {
  label: string;
  fromMonth: string;
  toMonth: string;
  from: string;
  to: string;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function lastDayOf(year: number, month: number): string {
  return new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
}

/**
 * The whole months of a period written YYYY-MM, YYYY-Qn or YYYY (default: the month before
 * `today`'s). Refused when it begins after the current month, or before 2000.
 */
export function resolveMonths(period: string | undefined, today: string): { ok: true; period: MonthPeriod } | { ok: false; message: string } {
  let label = period;
  if (!label) {
    const [y = 0, m = 1] = today.split('-').map(Number);
    label = m === 1 ? `${y - 1}-12` : `${y}-${pad(m - 1)}`;
  }
  const match = /^(\d{4})(?:-(\d{2})|-Q([1-4]))?$/.exec(label);
  if (!match) return { ok: false, message: 'The period must be a month (2025-03), a quarter (2025-Q1) or a year (2025).' };
  const year = Number(match[1]);
  const [first, last] = match[2] ? [Number(match[2]), Number(match[2])] : match[3] ? [Number(match[3]) * 3 - 2, Number(match[3]) * 3] : [1, 12];
  const fromMonth = `${year}-${pad(first)}-01`;
  if (year < 2000) return { ok: false, message: `The period ${label} is before 2000: choose a later one.` };
  if (fromMonth > `${today.slice(0, 7)}-01`) return { ok: false, message: `The period ${label} has not begun yet: choose one on or before ${today.slice(0, 7)}.` };
  return { ok: true, period: { label, fromMonth, toMonth: `${year}-${pad(last)}-01`, from: fromMonth, to: lastDayOf(year, last) } };
}

function toNumber(value: string | number | null): number | null {
  return value === null ? null : Number(value);
}

export async function findProfile(services: Services, access: Access): Promise<BenchmarkProfile> {
  return withAccess(services.db, access, async (trx) => ({ ...(await findBenchmarkProfile(trx, access.clientId)), ...profileLists }));
}

export async function updateProfile(services: Services, access: Access, update: UpdateBenchmarkProfile): Promise<BenchmarkProfile> {
  return withAccess(services.db, access, async (trx) => {
    await saveBenchmarkProfile(trx, access.clientId, update);
    return { ...(await findBenchmarkProfile(trx, access.clientId)), ...profileLists };
  });
}

/**
 * The benchmark of `access`'s client. Only people who see the whole business may ask: the
 * comparison is of whole businesses, and a manager of one region would otherwise learn the
 * business's overall score.
 */
export async function buildBenchmarks(services: Services, access: Access, query: BenchmarksQuery): Promise<BenchmarksResult> {
  if (access.locationIds !== null) return { ok: false, reason: 'whole_business_only' };
  return readWithLagFallback(services, (db) => withAccessRead(db, access, async (trx): Promise<BenchmarksResult> => {
    const client = await trx.selectFrom('clients').select('timezone').where('id', '=', access.clientId).executeTakeFirstOrThrow();
    const resolved = resolveMonths(query.period, localDay(new Date(), client.timezone));
    if (!resolved.ok) return { ok: false, reason: 'invalid_period', message: resolved.message };
    const { period } = resolved;
    const cell = query.cell ?? 'industry';
    const profile = await findBenchmarkProfile(trx, access.clientId);
    const kind = await findMainScoreKind(trx, access.clientId);
    const row = await findBenchmarkCell(trx, { kind, byRegion: cell === 'region', fromMonth: period.fromMonth, toMonth: period.toMonth });
    const ownResponses = Number(row.own_responses);
    const ownScore = toNumber(row.own_score);
    const others = row.others ?? 0;
    const shown = row.hidden === null;
    const percentile =
      shown && ownScore !== null && ownResponses >= thresholds.minClientResponses && row.below !== null && row.equal !== null && others > 0
        ? Math.round((100 * (row.below + row.equal / 2)) / others)
        : null;
    return {
      ok: true,
      benchmarks: {
        period: { label: period.label, from: period.from, to: period.to },
        cell,
        industry: profile.industry,
        region: profile.region,
        contributes: profile.contributes,
        scoreKind: kind,
        own: { responses: ownResponses, score: ownScore },
        shown,
        hidden: row.hidden ? { rule: row.hidden, message: explainHidden(row.hidden, cell) } : null,
        figures: shown
          ? {
              otherClients: `${Math.floor(others / 5) * 5}+`,
              responses: Math.round(Number(row.responses) / 10) * 10,
              q1: toNumber(row.q1) ?? 0,
              median: toNumber(row.median) ?? 0,
              q3: toNumber(row.q3) ?? 0,
              percentile,
            }
          : null,
        thresholds: { ...thresholds },
      },
    };
  }), () => false);
}
