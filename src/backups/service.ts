/**
 * Backups as operator staff and the schedule see them: ask for one (queued as a job), run
 * it, record the run, and list the runs with a warning when the newest good one is too old.
 */
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import type { Db } from '../db/connect.ts';
import { BackupError } from './backup-error.ts';
import {
  findBackupRun,
  findNewestSucceeded,
  findRunInHand,
  finishBackupRun,
  insertBackupRun,
  listBackupRuns,
  startBackupRun,
  type BackupRun,
  type BackupSummary,
  type BackupTrigger,
} from './backup-runs.ts';
import { makeBackup, type MadeBackup } from './make-backup.ts';

/** A backup older than this is a warning in the operator console. */
export const STALE_AFTER_HOURS = 26;

export const makeBackupQueue = 'make-backup';
export const scheduledBackupQueue = 'run-scheduled-backup';

export function summariseManifest(made: MadeBackup): BackupSummary {
  const { manifest } = made;
  return {
    kind: manifest.kind,
    schemaVersion: manifest.schemaVersion,
    tables: manifest.tables.length,
    rows: manifest.tables.reduce((n, t) => n + t.rows, 0),
    auditChains: manifest.auditChainHeads.length,
  };
}

/** Records a finished backup in the operator chain of the audit log. */
async function auditBackup(db: Db, run: { id: string; trigger: BackupTrigger; actorId: string | null }, made: MadeBackup): Promise<void> {
  await db.transaction().execute((trx) =>
    appendAudit(trx, {
      clientId: null,
      actorKind: run.trigger === 'operator' ? 'operator' : 'system',
      actorId: run.actorId,
      action: 'backup.made',
      subjectKind: 'backup',
      subjectId: run.id,
      details: { trigger: run.trigger, sha256: made.manifest.file.sha256, bytes: made.manifest.file.bytes, tables: made.manifest.tables.length },
    }),
  );
}

/** Queues a backup for a worker to make; returns the run, status 'queued'. */
export async function requestBackup(services: Services, input: { requestedBy: string }): Promise<BackupRun> {
  return services.db.transaction().execute(async (trx) => {
    const run = await insertBackupRun(trx, { trigger: 'operator', requestedBy: input.requestedBy, status: 'queued' });
    await services.jobs.sendInTransaction(trx, makeBackupQueue, { backupId: run.id });
    return run;
  });
}

/** Makes the backup of a run and records how it went. Failures are recorded, not thrown. */
export async function runBackup(services: Services, backupId: string): Promise<BackupRun | undefined> {
  const run = await startBackupRun(services.db, backupId);
  if (!run) return undefined;
  try {
    const made = await makeBackup(services.database, {
      outDir: services.config.backups.dir,
      databaseUrl: services.config.databaseUrl,
      pgBinDir: services.config.backups.pgBinDir,
    });
    await finishBackupRun(services.db, run.id, {
      ok: true,
      location: made.location,
      sizeBytes: made.manifest.file.bytes,
      sha256: made.manifest.file.sha256,
      summary: summariseManifest(made),
    });
    await auditBackup(services.db, { id: run.id, trigger: run.trigger, actorId: run.requested_by }, made);
  } catch (error) {
    const message = error instanceof BackupError ? error.message : `the backup failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`;
    await finishBackupRun(services.db, run.id, { ok: false, error: message });
  }
  return findBackupRun(services.db, run.id);
}

/**
 * The scheduled run (every 15 minutes): makes a backup when the newest good one is at least
 * HARK_BACKUP_INTERVAL_HOURS old and none is in hand. Returns the run it made, if any.
 */
export async function runScheduledBackup(services: Services, now = new Date()): Promise<BackupRun | undefined> {
  const hours = services.config.backups.intervalHours;
  if (hours <= 0) return undefined;
  const newest = await findNewestSucceeded(services.db);
  if (newest?.finished_at && now.getTime() - new Date(newest.finished_at).getTime() < hours * 3_600_000) return undefined;
  if (await findRunInHand(services.db, new Date(now.getTime() - 6 * 3_600_000))) return undefined;
  const run = await insertBackupRun(services.db, { trigger: 'schedule', requestedBy: null, status: 'queued' });
  return runBackup(services, run.id);
}

/** Records a backup made by `hark backup` (the run happened outside any job). */
export async function recordCliBackup(db: Db, made: MadeBackup, startedAt: Date): Promise<void> {
  const run = await insertBackupRun(db, { trigger: 'cli', requestedBy: null, status: 'running', startedAt });
  await finishBackupRun(db, run.id, {
    ok: true,
    location: made.location,
    sizeBytes: made.manifest.file.bytes,
    sha256: made.manifest.file.sha256,
    summary: summariseManifest(made),
  });
  await auditBackup(db, { id: run.id, trigger: 'cli', actorId: null }, made);
}

export interface BackupWarning {
  code: 'no_backup' | 'backup_stale';
  message: string;
}

export interface BackupOverview {
  backups: BackupRun[];
  newestSucceededAt: Date | null;
  warning: BackupWarning | null;
}

export async function listBackups(services: Services, now = new Date()): Promise<BackupOverview> {
  const [backups, newest] = await Promise.all([listBackupRuns(services.db), findNewestSucceeded(services.db)]);
  const newestSucceededAt = newest?.finished_at ? new Date(newest.finished_at) : null;
  let warning: BackupWarning | null = null;
  if (!newestSucceededAt) {
    warning = { code: 'no_backup', message: 'No backup has been made yet. Run one now, and check that scheduled backups are on (HARK_BACKUP_INTERVAL_HOURS).' };
  } else {
    const hours = (now.getTime() - newestSucceededAt.getTime()) / 3_600_000;
    if (hours > STALE_AFTER_HOURS) {
      warning = {
        code: 'backup_stale',
        message: `The newest successful backup is ${Math.floor(hours)} hours old (more than ${STALE_AFTER_HOURS}). Run one now, and check why the scheduled backups failed or did not run.`,
      };
    }
  }
  return { backups, newestSucceededAt, warning };
}
