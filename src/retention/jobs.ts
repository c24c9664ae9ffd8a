import type { Services } from '../context.ts';
import type { QueueDefinition } from '../jobs/queue.ts';
import { runRetention } from './run-retention.ts';

export const RETENTION_QUEUE = 'retention-run';

/** One run at a time: a schedule that fires while a run is still going waits for it. */
export const retentionQueues: QueueDefinition[] = [{ name: RETENTION_QUEUE, policy: 'singleton', retryLimit: 3, retryDelaySeconds: 300 }];

/** Daily, at a quiet hour in New Zealand (15:15 UTC is 03:15 or 04:15 in Auckland). */
export const RETENTION_CRON = '15 15 * * *';

export async function retentionJob(services: Services): Promise<void> {
  await runRetention(services, { dryRun: false, trigger: 'schedule' });
}
