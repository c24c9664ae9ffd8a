/** Starts the job handlers of every domain in this process (the worker role). */
import { sendAccountEmail } from '../accounts/index.ts';
import { AlertDispatcher } from '../alerts/dispatcher.ts';
import type { Services } from '../context.ts';
import { updateDailyRollupsJob } from '../reports/index.ts';
import { sendResponseJob } from '../responses/index.ts';
import { closeConversationJob, sendSmsJob } from '../sms/index.ts';

export interface Workers {
  /** Stops the pollers that are not pg-boss's (the alert dispatcher), waiting for their round in hand. */
  stop(): Promise<void>;
}

export async function startWorkers(services: Services): Promise<Workers> {
  await services.jobs.work(
    'update-daily-rollups',
    { pollingIntervalSeconds: services.config.rollupPollSeconds, batchSize: 20 },
    (data) => updateDailyRollupsJob(services, data),
  );
  const mail = { pollingIntervalSeconds: services.config.jobPollSeconds, batchSize: 5 };
  await services.jobs.work('send-account-email', mail, (data) => sendAccountEmail(services, data));
  await services.jobs.work('send-response', mail, (data) => sendResponseJob(services, data));
  // Texts are a conversation: the customer waits for each answer, so these poll often.
  const texts = { pollingIntervalSeconds: Math.min(1, services.config.jobPollSeconds), batchSize: 10 };
  await services.jobs.work('send-sms', texts, (data) => sendSmsJob(services, data));
  await services.jobs.work('close-sms-conversation', texts, (data) => closeConversationJob(services, data));
  const alerts = new AlertDispatcher(services, { pollMs: services.config.alerts.pollSeconds * 1000, leaseSeconds: services.config.alerts.leaseSeconds });
  alerts.start();
  return { stop: () => alerts.stop() };
}
