/** Starts the job handlers of every domain in this process (the worker role). */
import type { Services } from '../context.ts';
import { updateDailyRollupsJob } from '../reports/index.ts';

export async function startWorkers(services: Services): Promise<void> {
  await services.jobs.work(
    'update-daily-rollups',
    { pollingIntervalSeconds: services.config.rollupPollSeconds, batchSize: 20 },
    (data) => updateDailyRollupsJob(services, data),
  );
}
