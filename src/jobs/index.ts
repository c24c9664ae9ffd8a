/** The job queue (pg-boss) and the registry of every domain's queues and handlers. */
export { JobQueue, type QueueDefinition } from './queue.ts';
export { startWorkers, type Workers } from './workers.ts';
import { accountQueues } from '../accounts/index.ts';
import { analyticsQueues } from '../analytics/index.ts';
import { backupQueues } from '../backups/index.ts';
import { reportQueues } from '../reports/index.ts';
import { responseQueues } from '../responses/index.ts';
import { retentionQueues } from '../retention/index.ts';
import { prizeDrawQueues } from '../prizes/index.ts';
import { smsQueues } from '../sms/index.ts';
import { complaintQueues } from '../privacy/complaints/index.ts';
import { commentQueues } from '../comments/index.ts';
import { emailInvitationQueues } from '../api-keys/index.ts';
import type { QueueDefinition } from './queue.ts';
export const allQueues: QueueDefinition[] = [...backupQueues, ...reportQueues, ...accountQueues, ...responseQueues, ...smsQueues, ...retentionQueues, ...prizeDrawQueues, ...complaintQueues, ...analyticsQueues, ...commentQueues, ...emailInvitationQueues];
