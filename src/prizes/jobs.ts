import type { Services } from '../context.ts';
import type { QueueDefinition } from '../jobs/queue.ts';
import { ensureAllCurrentDraws, purgeDueDraws } from './service.ts';

export const PRIZE_DRAW_QUEUE = 'prize-draws';
export const prizeDrawQueues: QueueDefinition[] = [{ name: PRIZE_DRAW_QUEUE, policy: 'singleton', retryLimit: 3, retryDelaySeconds: 60 }];

/** Hourly: a new period's draw (and its commitment) exists within the hour its period starts. */
export const PRIZE_DRAW_CRON = '7 * * * *';

export async function prizeDrawJob(services: Services): Promise<void> {
  await ensureAllCurrentDraws(services);
  await purgeDueDraws(services);
}
