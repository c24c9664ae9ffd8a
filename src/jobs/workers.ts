/** Starts the job handlers of every domain in this process (the worker role). */
import { sendAccountEmail } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import { updateDailyRollupsJob } from '../reports/index.ts';
import { sendResponseJob } from '../responses/index.ts';

export async function startWorkers(services: Services): Promise<void> {
  await services.jobs.work(
    'update-daily-rollups',
    { pollingIntervalSeconds: services.config.rollupPollSeconds, batchSize: 20 },
    (data) => updateDailyRollupsJob(services, data),
  );
  const mail = { pollingIntervalSeconds: services.config.jobPollSeconds, batchSize: 5 };
  await services.jobs.work('send-account-email', mail, (data) => sendAccountEmail(services, data));
  await services.jobs.work('send-response', mail, (data) => sendResponseJob(services, data));
}
