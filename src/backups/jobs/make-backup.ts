import type { Services } from '../../context.ts';
import { runBackup } from '../service.ts';

/** Job: make the backup an operator asked for. */
export async function makeBackupJob(services: Services, data: { backupId: string }): Promise<void> {
  await runBackup(services, data.backupId);
}
