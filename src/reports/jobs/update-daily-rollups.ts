import { sql } from 'kysely';
import { z } from 'zod';
import type { Services } from '../../context.ts';
import { asClientId, withClient, type Trx } from '../../db/tenancy.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { analyseDayComments } from '../../comments/index.ts';
import { recomputeDailyRollups, rollupDayLockKey } from '../rollups.ts';

const QUEUE = 'update-daily-rollups';

const rollupUpdateSchema = z.object({
  clientId: z.string().uuid(),
  locationId: z.string().uuid(),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
});
export type RollupUpdate = z.infer<typeof rollupUpdateSchema>;

/**
 * Asks for one location-day's rollups to be recomputed. The queue keeps at most one waiting
 * job per location-day, so a burst of feedback costs one recomputation, and feedback that
 * arrives while a job runs queues the next.
 *
 * When a job is already waiting, this transaction's send is dropped and that job must count
 * this feedback, yet a worker may take the job before this transaction commits. The shared
 * day lock, taken before the send and held to commit, makes that job's recomputation wait
 * for the commit. Without it the feedback could be missing from the rollups for good.
 */
export async function enqueueRollupUpdate(jobs: JobQueue, trx: Trx, update: RollupUpdate): Promise<void> {
  const singletonKey = `${update.clientId}:${update.locationId}:${update.day}`;
  // A job for the day nearly always waits already in a busy hour, and then the send
  // (pg-boss's large insert, planned afresh each time: about a quarter of a submission's
  // CPU, measured by bench/submit-path.ts) would be dropped anyway. Skipping it is safe for
  // the reason the shared day lock exists, which is why the lock comes first: the waiting
  // job's recomputation waits for this commit. One statement does both, in that order: the
  // look-up refers to the row of the locking subquery, so it runs after the lock is held.
  // Written to match pg-boss's own unique index of waiting 'short' jobs (job_i1).
  const lockKey = rollupDayLockKey(asClientId(update.clientId), update.locationId, update.day);
  const { rows } = await sql<{ waiting: boolean }>`
    select exists (
      select 1 from pgboss.job
      where name = ${QUEUE} and coalesce(singleton_key, '') = ${singletonKey} and state = 'created' and policy = 'short' and locked.held
    ) as waiting
    from (select pg_advisory_xact_lock_shared(hashtextextended(${lockKey}, 0)) as lock, true as held offset 0) as locked`.execute(trx);
  if (rows[0]?.waiting) return;
  await jobs.sendInTransaction(trx, QUEUE, update, { singletonKey });
}

export async function updateDailyRollupsJob(services: Services, data: unknown): Promise<void> {
  const update = rollupUpdateSchema.parse(data);
  const clientId = asClientId(update.clientId);
  await withClient(services.db, clientId, (trx) => recomputeDailyRollups(trx, clientId, update.locationId, update.day));
  // Then the day's new comments, in a transaction of its own begun after the recompute's
  // commit, so it sees every feedback the recompute counted. Not under the day's lock: the
  // feedback transactions of the day would wait for it, and an analysis is written once
  // (a second run skips what the first wrote).
  await withClient(services.db, clientId, (trx) => analyseDayComments(trx, clientId, update.locationId, update.day));
}
