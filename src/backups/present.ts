/** Backup runs as the operator API shows them. */
import type { z } from 'zod';
import type { BackupRun } from './backup-runs.ts';
import type { backupSchema } from './schemas.ts';

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

export function presentBackup(run: BackupRun): z.infer<typeof backupSchema> {
  return {
    id: run.id,
    trigger: run.trigger,
    status: run.status,
    requestedAt: new Date(run.requested_at).toISOString(),
    startedAt: iso(run.started_at),
    finishedAt: iso(run.finished_at),
    location: run.location,
    sizeBytes: run.size_bytes === null ? null : Number(run.size_bytes),
    sha256: run.sha256,
    summary: run.summary,
    error: run.error,
  };
}
