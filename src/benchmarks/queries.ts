/** The benchmark tables and the cross-client function, read and written in a tenant transaction. */
import { sql } from 'kysely';
import type { ClientId, Trx } from '../db/tenancy.ts';
import { thresholds, type HiddenRule, type IndustryId, type RegionId } from './cells.ts';

export interface ProfileRow {
  industry: IndustryId | null;
  region: RegionId | null;
  contributes: boolean;
}

export async function findBenchmarkProfile(trx: Trx, clientId: ClientId): Promise<ProfileRow> {
  const { rows } = await sql<ProfileRow>`
    select industry, region, contributes from client_benchmark_profiles where client_id = ${clientId}`.execute(trx);
  return rows[0] ?? { industry: null, region: null, contributes: true };
}

export async function saveBenchmarkProfile(trx: Trx, clientId: ClientId, profile: ProfileRow): Promise<void> {
  await sql`
    insert into client_benchmark_profiles (client_id, industry, region, contributes)
    values (${clientId}, ${profile.industry}, ${profile.region}, ${profile.contributes})
    on conflict (client_id) do update
      set industry = excluded.industry, region = excluded.region, contributes = excluded.contributes, updated_at = now()`.execute(trx);
}

/** The kind of scale of the client's programme with the most locations (the dashboard's default programme). */
export async function findMainScoreKind(trx: Trx, clientId: ClientId): Promise<'nps' | 'mean'> {
  const { rows } = await sql<{ scale: string }>`
    select p.scale from programmes p left join locations l on l.client_id = p.client_id and l.programme_id = p.id
    where p.client_id = ${clientId}
    group by p.id, p.scale, p.created_at order by count(l.id) desc, p.created_at, p.id limit 1`.execute(trx);
  return rows[0]?.scale === 'nps_10' ? 'nps' : 'mean';
}

export interface CellRow {
  hidden: HiddenRule | null;
  others: number | null;
  responses: string | number | null;
  q1: string | null;
  median: string | null;
  q3: string | null;
  own_score: string | null;
  own_responses: string | number;
  below: number | null;
  equal: number | null;
}

/** One row of cell aggregates from `hark_benchmark_cell` (migration 0014): never a row per client. */
export async function findBenchmarkCell(
  trx: Trx,
  query: { kind: 'nps' | 'mean'; byRegion: boolean; fromMonth: string; toMonth: string },
): Promise<CellRow> {
  const { rows } = await sql<CellRow>`
    select hidden, others, responses, q1, median, q3, own_score, own_responses, below, equal
    from hark_benchmark_cell(${query.kind}, ${query.byRegion}, ${query.fromMonth}::date, ${query.toMonth}::date,
      ${thresholds.minOtherClients}, ${thresholds.minCellResponses}, ${thresholds.minClientResponses})`.execute(trx);
  const row = rows[0];
  if (!row) throw new Error('hark_benchmark_cell returned no row');
  return row;
}
