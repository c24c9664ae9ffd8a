/** Queries on the `backups` table (migration 0011): one row per backup run. Operator-only. */
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Db } from '../db/connect.ts';

export type BackupTrigger = 'schedule' | 'operator' | 'cli';
export type BackupStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface BackupSummary {
  kind: 'postgres' | 'pglite';
  schemaVersion: string | null;
  tables: number;
  rows: number;
  auditChains: number;
}

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface BackupsTable {
  id: Generated<string>;
  trigger: BackupTrigger;
  requested_by: string | null;
  status: Generated<BackupStatus>;
  requested_at: Generated<Date>;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  location: string | null;
  size_bytes: number | null;
  sha256: string | null;
  summary: ColumnType<BackupSummary | null, string | null, string | null>;
  error: string | null;
}

export type BackupRun = Selectable<BackupsTable>;

const tableOf = (db: Db) => db.withTables<{ backups: BackupsTable }>();

export function insertBackupRun(
  db: Db,
  run: { trigger: BackupTrigger; requestedBy: string | null; status: BackupStatus; startedAt?: Date },
): Promise<BackupRun> {
  return tableOf(db)
    .insertInto('backups')
    .values({ trigger: run.trigger, requested_by: run.requestedBy, status: run.status, started_at: run.status === 'running' ? (run.startedAt ?? new Date()) : null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Marks a queued (or interrupted) run as running; undefined when it is finished already or unknown. */
export function startBackupRun(db: Db, id: string): Promise<BackupRun | undefined> {
  return tableOf(db)
    .updateTable('backups')
    .set({ status: 'running', started_at: new Date() })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'running'])
    .returningAll()
    .executeTakeFirst();
}

export async function finishBackupRun(
  db: Db,
  id: string,
  outcome: { ok: true; location: string; sizeBytes: number; sha256: string; summary: BackupSummary } | { ok: false; error: string },
): Promise<void> {
  const finished = { finished_at: new Date() };
  const set = outcome.ok
    ? { ...finished, status: 'succeeded' as const, location: outcome.location, size_bytes: outcome.sizeBytes, sha256: outcome.sha256, summary: JSON.stringify(outcome.summary), error: null }
    : { ...finished, status: 'failed' as const, error: outcome.error.slice(0, 2000) };
  await tableOf(db).updateTable('backups').set(set).where('id', '=', id).execute();
}

export function findBackupRun(db: Db, id: string): Promise<BackupRun | undefined> {
  return tableOf(db).selectFrom('backups').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listBackupRuns(db: Db, limit = 50): Promise<BackupRun[]> {
  return tableOf(db).selectFrom('backups').selectAll().orderBy('requested_at', 'desc').limit(limit).execute();
}

export function findNewestSucceeded(db: Db): Promise<BackupRun | undefined> {
  return tableOf(db).selectFrom('backups').selectAll().where('status', '=', 'succeeded').orderBy('finished_at', 'desc').limit(1).executeTakeFirst();
}

/** A run queued or running that was asked for since `since` (one in hand: do not start another). */
export function findRunInHand(db: Db, since: Date): Promise<BackupRun | undefined> {
  return tableOf(db)
    .selectFrom('backups')
    .selectAll()
    .where('status', 'in', ['queued', 'running'])
    .where('requested_at', '>=', since)
    .limit(1)
    .executeTakeFirst();
}
