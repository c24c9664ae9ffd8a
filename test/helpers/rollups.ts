/**
 * Writes daily rollup rows directly, as the owning role, the way the rollup job would: for
 * report tests that need many responses with known scores without submitting each one.
 * The database derives the monthly rollups from them (migration 0006).
 */
import type { Services } from '../../src/context.ts';
import type { Channel } from '../../src/db/schema.ts';

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export async function insertRollup(
  services: Services,
  clientId: string,
  row: { locationId: string; subMeasureId?: string; day: string; channel?: Channel; scores: Record<number, number> },
): Promise<void> {
  const histogram = Array.from({ length: 11 }, (_, score) => row.scores[score] ?? 0);
  await services.db
    .insertInto('feedback_daily_rollups')
    .values({
      client_id: clientId,
      location_id: row.locationId,
      sub_measure_key: row.subMeasureId ?? NIL_UUID,
      day: row.day,
      channel: row.channel ?? 'web',
      responses: histogram.reduce((a, b) => a + b, 0),
      score_sum: histogram.reduce((sum, n, score) => sum + n * score, 0),
      score_histogram: histogram,
      with_comment: 0,
      contact_requested: 0,
    })
    .execute();
}

/**
 * Waits until the day-figures jobs have run: the rollups and the comment analyses of every
 * feedback stored so far (the job analyses a location-day's new comments seconds later).
 */
export async function waitForDayFigures(services: Services, timeoutMs = 15_000): Promise<void> {
  if (!(await services.jobs.drained('update-daily-rollups', timeoutMs))) throw new Error(`the day-figures jobs did not finish within ${timeoutMs} ms`);
}
