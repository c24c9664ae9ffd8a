/**
 * Restores a backup into an empty target (a PostgreSQL database, or a folder for embedded
 * PGlite), then checks the restored rows against the manifest: every table's count and
 * checksum, and every audit chain. A non-empty target, a damaged data file or a backup of the
 * other database kind is refused before anything is written.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { formatChainReports, verifyAllAuditChains, type ChainReport } from '../audit/index.ts';
import { openDatabase } from '../db/connect.ts';
import { BackupError } from './backup-error.ts';
import { compareTableStates, readDatabaseState, stableTextSettings, type StateDifference } from './database-state.ts';
import { queryableOf } from './make-backup.ts';
import { readBackup, type BackupManifest } from './manifest.ts';
import { findPgTool, runPgTool, splitPassword } from './pg-tools.ts';

export type RestoreTarget = { kind: 'postgres'; url: string } | { kind: 'pglite'; dir: string };

export interface RestoreReport {
  manifest: BackupManifest;
  /** Tables whose restored rows differ from the manifest; empty when the restore is whole. */
  differences: StateDifference[];
  /** Audit chain heads of the manifest that the restored chains do not end at. */
  chainHeadsDiffering: string[];
  chains: ChainReport[];
  ok: boolean;
}

export function describeTarget(target: RestoreTarget): string {
  if (target.kind === 'pglite') return `the folder ${target.dir}`;
  const url = new URL(splitPassword(target.url).url);
  return `the database ${decodeURIComponent(url.pathname.slice(1))} on ${url.host || 'the local socket'}`;
}

export async function restoreBackup(location: string, target: RestoreTarget, options: { pgBinDir?: string | undefined } = {}): Promise<RestoreReport> {
  const { manifest, dataFile } = await readBackup(location);
  if (manifest.kind !== target.kind) {
    const made = manifest.kind === 'postgres' ? 'PostgreSQL (pg_dump)' : 'the embedded database (PGlite)';
    const wants = manifest.kind === 'postgres' ? 'a PostgreSQL URL' : 'a folder for the embedded database';
    throw new BackupError(`This backup was made from ${made}; restore it into ${wants} (--into). Nothing was restored.`);
  }
  if (target.kind === 'postgres') {
    await refuseNonEmptyDatabase(target.url);
    await restorePostgres(dataFile, target.url, options.pgBinDir);
  } else {
    await refuseNonEmptyFolder(target.dir);
    const tarball = await readFile(dataFile);
    const pglite = await PGlite.create({ dataDir: target.dir, loadDataDir: new Blob([tarball]) });
    await pglite.close();
  }
  return checkRestored(manifest, target);
}

async function refuseNonEmptyDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new BackupError(`Cannot connect to ${describeTarget({ kind: 'postgres', url })}: ${(error as Error).message}. Create it first (createdb) and try again.`);
  }
  try {
    const { rows } = await client.query<{ name: string }>(
      `select schemaname || '.' || tablename as name from pg_tables where schemaname not in ('pg_catalog', 'information_schema') order by 1`,
    );
    if (rows.length > 0) {
      const some = rows.slice(0, 3).map((r) => r.name).join(', ');
      throw new BackupError(
        `Cannot restore into ${describeTarget({ kind: 'postgres', url })}: it is not empty, it holds ${rows.length} tables (${some}${rows.length > 3 ? ', …' : ''}). ` +
          'Restore only into a new, empty database (createdb hark_restored, then --into postgres://…/hark_restored). Nothing was changed.',
      );
    }
    // A restore on another server needs the application role, which belongs to the whole cluster.
    await client.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hark_app') THEN CREATE ROLE hark_app NOLOGIN; END IF;
      IF NOT pg_has_role(current_user, 'hark_app', 'MEMBER') THEN EXECUTE format('GRANT hark_app TO %I', current_user); END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
  } finally {
    await client.end().catch(() => {});
  }
}

async function refuseNonEmptyFolder(dir: string): Promise<void> {
  let entries: string[];
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new BackupError(`${dir} is a file, not a folder. Give a new or empty folder (--into). Nothing was changed.`);
    entries = await readdir(dir);
  } catch (error) {
    if (error instanceof BackupError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (entries.length > 0) {
    throw new BackupError(
      `The folder ${dir} is not empty (${entries.length} entries, e.g. ${entries.slice(0, 3).join(', ')}). ` +
        'Restore only into a new or empty folder, then point HARK_DATA_DIR at its parent (the database lives in <HARK_DATA_DIR>/pgdata). Nothing was changed.',
    );
  }
}

async function restorePostgres(dataFile: string, url: string, pgBinDir: string | undefined): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  let major: number;
  try {
    const { rows } = await client.query<{ major: string }>(`select (current_setting('server_version_num')::int / 10000)::text as major`);
    major = Number(rows[0]?.major);
  } finally {
    await client.end().catch(() => {});
  }
  const pgRestore = await findPgTool('pg_restore', major, pgBinDir);
  // One transaction: a restore that fails part way leaves the target as empty as it was.
  await runPgTool(pgRestore, ['--no-owner', '--exit-on-error', '--single-transaction', '--no-password', dataFile], url);
}

async function checkRestored(manifest: BackupManifest, target: RestoreTarget): Promise<RestoreReport> {
  const handle = await openDatabase(target.kind === 'postgres' ? { databaseUrl: target.url, poolMax: 1 } : { pgliteDir: target.dir, poolMax: 1 });
  try {
    const client = await handle.pool.connect();
    let state;
    try {
      await client.query('begin');
      for (const setting of stableTextSettings) await client.query(setting);
      state = await readDatabaseState(queryableOf(client));
      await client.query('commit');
    } finally {
      client.release();
    }
    const differences = compareTableStates(manifest.tables, state.tables);
    const heads = new Map(state.auditChainHeads.map((h) => [h.chainId, h]));
    const chainHeadsDiffering = manifest.auditChainHeads
      .filter((h) => {
        const found = heads.get(h.chainId);
        return !found || found.seq !== h.seq || found.hash !== h.hash;
      })
      .map((h) => h.chainId);
    const chains = await verifyAllAuditChains(handle.db);
    const chainsOk = formatChainReports(chains).ok;
    return { manifest, differences, chainHeadsDiffering, chains, ok: differences.length === 0 && chainHeadsDiffering.length === 0 && chainsOk };
  } finally {
    await handle.close();
  }
}
