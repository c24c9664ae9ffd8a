import type { Services } from '../../context.ts';
import { runScheduledBackup } from '../service.ts';

/** How often the schedule looks whether a backup is due; the interval itself is HARK_BACKUP_INTERVAL_HOURS. */
export const scheduledBackupCron = '*/15 * * * *';

/** Job (every 15 minutes, from pg-boss's schedule): make a backup if one is due. */
export async function runScheduledBackupJob(services: Services): Promise<void> {
  await runScheduledBackup(services);
}
