/** Operator console → Backups: the list with its staleness warning, and "back up now". */
import { apiRequest } from './client.ts';

export interface Backup {
  id: string;
  trigger: 'schedule' | 'operator' | 'cli';
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  location: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  summary: { kind: 'postgres' | 'pglite'; schemaVersion: string | null; tables: number; rows: number; auditChains: number } | null;
  error: string | null;
}

export interface BackupList {
  backups: Backup[];
  newestSucceededAt: string | null;
  warning: { code: 'no_backup' | 'backup_stale'; message: string } | null;
  schedule: { intervalHours: number; folder: string };
}

export const backupsApi = {
  list: () => apiRequest<BackupList>('GET', '/operator/backups'),
  backUpNow: () => apiRequest<Backup>('POST', '/operator/backups'),
};
