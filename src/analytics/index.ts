/**
 * Website analytics of the operator's own marketing site: the first-party script and its
 * beacon, the hits and daily summaries (operator-only tables, no client data), the
 * operator dashboard, and the scheduled truncation of IPs. Nothing outside this folder
 * reads the analytics tables.
 */
import type { QueueDefinition } from '../jobs/queue.ts';
import { TRUNCATE_ANALYTICS_IPS_QUEUE } from './jobs/truncate-analytics-ips.ts';

export { analyticsRoutes, BEACON_PATH, BEACON_BODY_LIMIT, SCRIPT_PATH } from './routes.ts';
export { TRUNCATE_ANALYTICS_IPS_CRON, TRUNCATE_ANALYTICS_IPS_QUEUE, truncateAnalyticsIps, truncateAnalyticsIpsJob } from './jobs/truncate-analytics-ips.ts';
export { dropReasons, type DropReason } from './drops.ts';

export const analyticsQueues: QueueDefinition[] = [{ name: TRUNCATE_ANALYTICS_IPS_QUEUE, policy: 'singleton', retryLimit: 3 }];
