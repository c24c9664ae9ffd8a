import { z } from 'zod';
import type { Services } from '../../context.ts';
import { asClientId, withClient, type Trx } from '../../db/tenancy.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { lockRollupDay, recomputeDailyRollups } from '../rollups.ts';

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
  await lockRollupDay(trx, asClientId(update.clientId), update.locationId, update.day, 'shared');
  await jobs.sendInTransaction(trx, QUEUE, update, {
    singletonKey: `${update.clientId}:${update.locationId}:${update.day}`,
  });
}

export async function updateDailyRollupsJob(services: Services, data: unknown): Promise<void> {
  const update = rollupUpdateSchema.parse(data);
  const clientId = asClientId(update.clientId);
  await withClient(services.db, clientId, (trx) => recomputeDailyRollups(trx, clientId, update.locationId, update.day));
}
