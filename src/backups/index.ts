/**
 * Backups: whole-database backups with a manifest (row counts and checksums per table, audit
 * chain heads, schema version, the data file's SHA-256), made on a schedule, from the
 * operator console or by `hark backup`, and restored into an empty target by `hark restore`,
 * which checks the result against the manifest. Owns the `backups` table.
 */
import type { QueueDefinition } from '../jobs/queue.ts';
import { makeBackupQueue, scheduledBackupQueue } from './service.ts';

export { backupRoutes } from './routes.ts';
export { BackupError } from './backup-error.ts';
export { makeBackup, type MadeBackup } from './make-backup.ts';
export { restoreBackup, describeTarget, type RestoreTarget, type RestoreReport } from './restore-backup.ts';
export { readBackup, type BackupManifest } from './manifest.ts';
export { runBackup, runScheduledBackup, requestBackup, listBackups, recordCliBackup, STALE_AFTER_HOURS, makeBackupQueue, scheduledBackupQueue } from './service.ts';
export { makeBackupJob } from './jobs/make-backup.ts';
export { runScheduledBackupJob, scheduledBackupCron } from './jobs/run-scheduled-backup.ts';

/** No retries: a backup that failed is recorded as failed; the next one is a new run. */
export const backupQueues: QueueDefinition[] = [
  { name: makeBackupQueue, policy: 'standard', retryLimit: 0 },
  { name: scheduledBackupQueue, policy: 'singleton', retryLimit: 0 },
];
