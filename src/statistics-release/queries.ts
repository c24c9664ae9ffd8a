/**
 * The statistics tables (migration 0020) and the one cross-client read, all as the owner
 * role: these are operator actions, outside any tenant transaction.
 */
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { Trx } from '../db/tenancy.ts';
import type { Contribution, Dimension, ReleasedCell, ReleaseMethod } from './build-table.ts';

/**
 * Per client, month and scale family, the summed score histogram of the monthly rollups,
 * with the client's industry and region. Only clients with a benchmark profile that
 * contributes are read; a chosen-but-empty industry or region reads as 'unknown'. Nothing
 * else of a client (name, locations, sub-measures, comments, contacts) is selected.
 */
export async function findContributions(db: Db | Trx, fromMonth: string, toMonth: string): Promise<Contribution[]> {
  const { rows } = await sql<{ client_id: string; industry: string; region: string; month: string; family: 'nps' | 'five_point'; histogram: number[] }>`
    select m.client_id, coalesce(b.industry, 'unknown') as industry, coalesce(b.region, 'unknown') as region,
      to_char(m.month, 'YYYY-MM') as month,
      case when p.scale = 'nps_10' then 'nps' else 'five_point' end as family,
      array[sum(m.score_histogram[1]), sum(m.score_histogram[2]), sum(m.score_histogram[3]), sum(m.score_histogram[4]),
        sum(m.score_histogram[5]), sum(m.score_histogram[6]), sum(m.score_histogram[7]), sum(m.score_histogram[8]),
        sum(m.score_histogram[9]), sum(m.score_histogram[10]), sum(m.score_histogram[11])]::int[] as histogram
    from feedback_monthly_rollups m
    join client_benchmark_profiles b on b.client_id = m.client_id and b.contributes
    join locations l on l.client_id = m.client_id and l.id = m.location_id
    join programmes p on p.client_id = l.client_id and p.id = l.programme_id
    where m.month between ${fromMonth}::date and ${toMonth}::date
    group by 1, 2, 3, 4, 5`.execute(db);
  return rows.map((r) => ({ clientId: r.client_id, industry: r.industry, region: r.region, month: r.month, family: r.family, histogram: r.histogram.map(Number) }));
}

/** Serialises releases: one at a time charges the budget. */
export async function lockBudget(trx: Trx): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended('hark:statistics-budget', 0))`.execute(trx);
}

/** Epsilon spent so far, in thousandths. */
export async function sumSpentMilli(db: Db | Trx): Promise<{ spentMilli: number; releases: number }> {
  const { rows } = await sql<{ spent: string | null; n: number }>`select sum(epsilon)::text as spent, count(*)::int as n from statistics_budget_ledger`.execute(db);
  return { spentMilli: Math.round(Number(rows[0]?.spent ?? 0) * 1000), releases: rows[0]?.n ?? 0 };
}

export interface ReleaseRow {
  id: string;
  created_at: Date;
  via: 'operator' | 'cli';
  operator_id: string | null;
  requested_by: string | null;
  period_label: string;
  from_month: string;
  to_month: string;
  dimensions: Dimension[];
  epsilon: string;
  method: ReleaseMethod;
}

export async function insertRelease(
  trx: Trx,
  release: { via: 'operator' | 'cli'; operatorId: string | null; requestedBy: string | null; periodLabel: string; fromMonth: string; toMonth: string; dimensions: Dimension[]; epsilonMilli: number; method: ReleaseMethod; cells: ReleasedCell[] },
): Promise<{ id: string; created_at: Date }> {
  const { rows } = await sql<{ id: string; created_at: Date }>`
    insert into statistics_releases (via, operator_id, requested_by, period_label, from_month, to_month, dimensions, epsilon, method, cells)
    values (${release.via}, ${release.operatorId}, ${release.requestedBy}, ${release.periodLabel}, ${release.fromMonth}::date, ${release.toMonth}::date,
      ${release.dimensions}::text[], ${(release.epsilonMilli / 1000).toFixed(3)}::numeric, ${JSON.stringify(release.method)}::jsonb, ${JSON.stringify(release.cells)}::jsonb)
    returning id, created_at`.execute(trx);
  const row = rows[0];
  if (!row) throw new Error('insert into statistics_releases returned no row');
  return row;
}

export async function insertLedgerEntry(trx: Trx, entry: { releaseId: string; epsilonMilli: number; budgetMilli: number; spentAfterMilli: number }): Promise<void> {
  await sql`insert into statistics_budget_ledger (release_id, epsilon, budget_total, spent_after)
    values (${entry.releaseId}, ${(entry.epsilonMilli / 1000).toFixed(3)}::numeric, ${(entry.budgetMilli / 1000).toFixed(3)}::numeric, ${(entry.spentAfterMilli / 1000).toFixed(3)}::numeric)`.execute(trx);
}

const releaseColumns = sql`id, created_at, via, operator_id, requested_by, period_label, to_char(from_month, 'YYYY-MM-DD') as from_month,
  to_char(to_month, 'YYYY-MM-DD') as to_month, dimensions, epsilon::text as epsilon, method`;

export async function listReleaseRows(db: Db): Promise<ReleaseRow[]> {
  const { rows } = await sql<ReleaseRow>`select ${releaseColumns} from statistics_releases order by created_at desc, id`.execute(db);
  return rows;
}

export async function findReleaseRow(db: Db, id: string): Promise<(ReleaseRow & { cells: ReleasedCell[] }) | undefined> {
  const { rows } = await sql<ReleaseRow & { cells: ReleasedCell[] }>`select ${releaseColumns}, cells from statistics_releases where id = ${id}`.execute(db);
  return rows[0];
}
