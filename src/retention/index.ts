/** Retention: each programme's period applied daily; legal holds; the record of each run. */
export { runRetention, listRetentionRuns, type RetentionReport } from './run-retention.ts';
export { placeLegalHold, releaseLegalHold, listLegalHolds } from './legal-holds.ts';
export { retentionQueues, retentionJob, RETENTION_QUEUE, RETENTION_CRON } from './jobs.ts';
export { retentionRoutes } from './routes.ts';
