/**
 * Making a release: check the request, charge the budget and record the release in one
 * transaction, or change nothing and say why.
 */
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import { buildReleaseTable, orderDimensions, type Dimension, type ReleasedCell, type ReleaseMethod } from './build-table.ts';
import { sampleLaplace } from './laplace.ts';
import { parseReleasePeriod, type ReleasePeriod } from './periods.ts';
import { findContributions, findReleaseRow, insertLedgerEntry, insertRelease, listReleaseRows, lockBudget, sumSpentMilli, type ReleaseRow } from './queries.ts';

export interface ReleaseRequest {
  period: string;
  by: readonly string[];
  epsilon: number;
  via: 'operator' | 'cli';
  operatorId: string | null;
  requestedBy: string | null;
  /** Today, YYYY-MM-DD (default: now, UTC); the period must end before this month. */
  today?: string;
}

export type ReleaseRefusal = 'invalid_dimension' | 'invalid_period' | 'invalid_epsilon' | 'budget_exceeded' | 'no_data' | 'all_suppressed';

export interface ReleaseSummary {
  id: string;
  createdAt: string;
  via: 'operator' | 'cli';
  period: { label: string; fromMonth: string; toMonth: string };
  by: Dimension[];
  epsilon: number;
  method: ReleaseMethod;
}

export type ReleaseResult = { ok: true; release: ReleaseSummary; budget: Budget } | { ok: false; reason: ReleaseRefusal; message: string };

export interface Budget {
  total: number;
  spent: number;
  remaining: number;
  releases: number;
}

const knownDimensions: readonly string[] = ['industry', 'region', 'month'];

function formatEpsilon(milli: number): string {
  return (milli / 1000).toFixed(3).replace(/\.?0+$/, '');
}

function budgetOf(totalMilli: number, spentMilli: number, releases: number): Budget {
  return { total: totalMilli / 1000, spent: spentMilli / 1000, remaining: Math.max(0, totalMilli - spentMilli) / 1000, releases };
}

export async function readBudget(services: Services): Promise<Budget> {
  const { spentMilli, releases } = await sumSpentMilli(services.db);
  return budgetOf(Math.round(services.config.statistics.epsilonBudget * 1000), spentMilli, releases);
}

function toSummary(row: ReleaseRow): ReleaseSummary {
  return {
    id: row.id,
    createdAt: new Date(row.created_at).toISOString(),
    via: row.via,
    period: { label: row.period_label, fromMonth: row.from_month, toMonth: row.to_month },
    by: row.dimensions,
    epsilon: Number(row.epsilon),
    method: row.method,
  };
}

/** The checks that need no database: dimensions, period and epsilon. */
export function checkReleaseRequest(
  request: Pick<ReleaseRequest, 'by' | 'period' | 'epsilon' | 'today'>,
): { ok: true; by: Dimension[]; period: ReleasePeriod; epsilonMilli: number } | { ok: false; reason: ReleaseRefusal; message: string } {
  const unknown = request.by.filter((d) => !knownDimensions.includes(d));
  if (unknown.length > 0 || request.by.length === 0) {
    return { ok: false, reason: 'invalid_dimension', message: `${unknown.length ? `Unknown dimension ${unknown.map((d) => `"${d}"`).join(', ')}` : 'No dimension given'}: group by one or more of industry, region, month.` };
  }
  if (new Set(request.by).size !== request.by.length) return { ok: false, reason: 'invalid_dimension', message: 'Name each dimension once: group by one or more of industry, region, month.' };
  const by = orderDimensions(request.by as Dimension[]);
  const today = request.today ?? new Date().toISOString().slice(0, 10);
  const parsed = parseReleasePeriod(request.period, today.slice(0, 7));
  if (!parsed.ok) return { ok: false, reason: 'invalid_period', message: parsed.message };
  const epsilonMilli = Math.round(request.epsilon * 1000);
  if (!Number.isFinite(request.epsilon) || request.epsilon <= 0 || Math.abs(request.epsilon * 1000 - epsilonMilli) > 1e-6 || epsilonMilli <= 0) {
    return { ok: false, reason: 'invalid_epsilon', message: `Epsilon must be a number above 0 with at most three decimals (such as 0.5); ${String(request.epsilon)} is not.` };
  }
  return { ok: true, by, period: parsed.period, epsilonMilli };
}

export async function createStatisticsRelease(services: Services, request: ReleaseRequest): Promise<ReleaseResult> {
  const checked = checkReleaseRequest(request);
  if (!checked.ok) return checked;
  const { by, period, epsilonMilli } = checked;
  const budgetMilli = Math.round(services.config.statistics.epsilonBudget * 1000);

  return services.db.transaction().execute(async (trx): Promise<ReleaseResult> => {
    await lockBudget(trx);
    const { spentMilli, releases } = await sumSpentMilli(trx);
    const remainingMilli = budgetMilli - spentMilli;
    if (epsilonMilli > remainingMilli) {
      return {
        ok: false,
        reason: 'budget_exceeded',
        message: `This release would spend epsilon ${formatEpsilon(epsilonMilli)}, but only ${formatEpsilon(Math.max(0, remainingMilli))} of the privacy budget of ${formatEpsilon(budgetMilli)} remains (${formatEpsilon(spentMilli)} spent over ${releases} release${releases === 1 ? '' : 's'}). Nothing was released.`,
      };
    }
    const contributions = await findContributions(trx, period.fromMonth, period.toMonth);
    if (contributions.length === 0) {
      return { ok: false, reason: 'no_data', message: `No contributing client has responses in ${period.label}: there is nothing to release. Nothing was recorded.` };
    }
    const table = buildReleaseTable({ contributions, by, months: period.months, epsilon: epsilonMilli / 1000, laplace: (scale) => sampleLaplace(scale) });
    if (table.method.cells.published === 0) {
      return {
        ok: false,
        reason: 'all_suppressed',
        message: `Every cell of ${period.label} by ${by.join(', ')} would be suppressed (too few clients or responses): group by fewer dimensions or choose a longer period. Nothing was released and no budget was spent.`,
      };
    }
    const inserted = await insertRelease(trx, {
      via: request.via,
      operatorId: request.operatorId,
      requestedBy: request.requestedBy,
      periodLabel: period.label,
      fromMonth: period.fromMonth,
      toMonth: period.toMonth,
      dimensions: by,
      epsilonMilli,
      method: table.method,
      cells: table.cells,
    });
    await insertLedgerEntry(trx, { releaseId: inserted.id, epsilonMilli, budgetMilli, spentAfterMilli: spentMilli + epsilonMilli });
    await appendAudit(trx, {
      clientId: null,
      actorKind: request.via === 'operator' ? 'operator' : 'system',
      actorId: request.operatorId,
      action: 'statistics.released',
      subjectKind: 'statistics_release',
      subjectId: inserted.id,
      details: { period: period.label, by: by.join(','), epsilon: epsilonMilli / 1000, spent_after: (spentMilli + epsilonMilli) / 1000, budget: budgetMilli / 1000, via: request.via, published_cells: table.method.cells.published },
    });
    return {
      ok: true,
      release: {
        id: inserted.id,
        createdAt: new Date(inserted.created_at).toISOString(),
        via: request.via,
        period: { label: period.label, fromMonth: period.fromMonth, toMonth: period.toMonth },
        by,
        epsilon: epsilonMilli / 1000,
        method: table.method,
      },
      budget: budgetOf(budgetMilli, spentMilli + epsilonMilli, releases + 1),
    };
  });
}

export async function listStatisticsReleases(services: Services): Promise<{ budget: Budget; releases: ReleaseSummary[] }> {
  const [budget, rows] = await Promise.all([readBudget(services), listReleaseRows(services.db)]);
  return { budget, releases: rows.map(toSummary) };
}

export async function findStatisticsRelease(services: Services, id: string): Promise<{ release: ReleaseSummary; cells: ReleasedCell[] } | undefined> {
  const row = await findReleaseRow(services.db, id);
  return row ? { release: toSummary(row), cells: row.cells } : undefined;
}
