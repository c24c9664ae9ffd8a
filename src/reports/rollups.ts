import { sql } from 'kysely';
import type { Trx, ClientId } from '../db/tenancy.ts';
import { clientDayBounds } from './local-day.ts';

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * The grouped figures of one client's feedback, restricted by `where`, as rollup rows.
 * score_histogram[i + 1] counts the scores of value i.
 */
function rollupSelect(clientId: ClientId, where: ReturnType<typeof sql>) {
  return sql`
    select f.client_id, f.location_id, coalesce(f.sub_measure_id, ${NIL_UUID}::uuid) as sub_measure_key,
      (f.submitted_at at time zone c.timezone)::date as day, f.channel,
      count(*)::int as responses, sum(f.score)::int as score_sum,
      array[${sql.join(Array.from({ length: 11 }, (_, i) => sql`count(*) filter (where f.score = ${sql.lit(i)})::int`))}] as score_histogram,
      count(*) filter (where f.comment <> '')::int as with_comment,
      count(*) filter (where f.contact_requested)::int as contact_requested
    from feedback f join clients c on c.id = f.client_id
    where f.client_id = ${clientId} and ${where}
    group by 1, 2, 3, 4, 5`;
}

const columns = sql`(client_id, location_id, sub_measure_key, day, channel, responses, score_sum, score_histogram, with_comment, contact_requested)`;

/** The advisory lock of a location-day's rollups, hashed with hashtextextended(key, 0). */
export function rollupDayLockKey(clientId: ClientId, locationId: string, day: string): string {
  return `rollup:${clientId}:${locationId}:${day}`;
}

/**
 * Takes the advisory lock of one location-day's rollup exclusively, as a recomputation does.
 * A transaction that adds feedback to the day holds it shared from before it enqueues the
 * update until it commits (in `enqueueRollupUpdate`'s statement), so a recomputation never
 * reads the day while such feedback is in flight.
 */
async function lockRollupDayExclusively(trx: Trx, clientId: ClientId, locationId: string, day: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${rollupDayLockKey(clientId, locationId, day)}, 0))`.execute(trx);
}

/**
 * Recomputes one location's rollups for one day from its feedback. Idempotent, and
 * serialised per location-day, so two workers running it side by side agree. It waits for
 * transactions still adding feedback to the day, and reads the day only after they commit.
 *
 * The coarser rollups the dashboard reads (the location's month, and its day summed over
 * sub-measures) follow in the same transaction: the database recomputes them after each
 * write to the daily rollups (migration 0006).
 */
export async function recomputeDailyRollups(trx: Trx, clientId: ClientId, locationId: string, day: string): Promise<void> {
  await lockRollupDayExclusively(trx, clientId, locationId, day);
  await trx
    .deleteFrom('feedback_daily_rollups')
    .where('client_id', '=', clientId)
    .where('location_id', '=', locationId)
    .where('day', '=', day)
    .execute();
  const { start, end } = clientDayBounds(clientId, day);
  await sql`insert into feedback_daily_rollups ${columns}
    ${rollupSelect(clientId, sql`f.location_id = ${locationId} and f.submitted_at >= ${start} and f.submitted_at < ${end}`)}`.execute(trx);
}

/**
 * Recomputes every rollup of a client (after a bulk import such as the demo data), the
 * monthly and per-location-day rollups included (the database follows the daily ones).
 */
export async function rebuildAllDailyRollups(trx: Trx, clientId: ClientId): Promise<void> {
  await trx.deleteFrom('feedback_daily_rollups').where('client_id', '=', clientId).execute();
  await sql`insert into feedback_daily_rollups ${columns} ${rollupSelect(clientId, sql`true`)}`.execute(trx);
}

export interface RollupSummary {
  responses: number;
  scoreSum: number;
  histogram: number[];
}

/** Totals over a period (inclusive days), optionally for one location. */
export async function summariseRollups(
  trx: Trx,
  clientId: ClientId,
  period: { from: string; to: string; locationId?: string },
): Promise<RollupSummary> {
  const { rows } = await sql<{ score: number; n: number }>`
    select h.i - 1 as score, sum(h.v)::int as n
    from feedback_daily_rollups r, unnest(r.score_histogram) with ordinality h(v, i)
    where r.client_id = ${clientId} and r.day between ${period.from} and ${period.to}
      ${period.locationId ? sql`and r.location_id = ${period.locationId}` : sql``}
    group by h.i order by h.i`.execute(trx);
  const histogram = Array.from({ length: 11 }, () => 0);
  for (const row of rows) histogram[row.score] = row.n;
  return {
    responses: histogram.reduce((a, b) => a + b, 0),
    scoreSum: histogram.reduce((sum, n, score) => sum + n * score, 0),
    histogram,
  };
}
