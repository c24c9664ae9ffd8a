/** The job queue (pg-boss) and the registry of every domain's queues and handlers. */
export { JobQueue, type QueueDefinition } from './queue.ts';
export { startWorkers, type Workers } from './workers.ts';
import { accountQueues } from '../accounts/index.ts';
import { reportQueues } from '../reports/index.ts';
import { responseQueues } from '../responses/index.ts';
import { smsQueues } from '../sms/index.ts';
import type { QueueDefinition } from './queue.ts';
export const allQueues: QueueDefinition[] = [...reportQueues, ...accountQueues, ...responseQueues, ...smsQueues];
