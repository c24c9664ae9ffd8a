/**
 * Makes one backup: a folder holding the data file and manifest.json. On PostgreSQL the data
 * file is pg_dump's custom format, taken from the same snapshot as the manifest's checksums.
 * On embedded PGlite it is the data folder as a gzipped tarball (PGlite's dumpDataDir), taken
 * in the process that has the database open while it holds the one connection, so nothing
 * writes between the checksums and the copy.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { DatabaseHandle } from '../db/connect.ts';
import { BackupError } from './backup-error.ts';
import { readDatabaseState, stableTextSettings, type DatabaseState, type Queryable } from './database-state.ts';
import { manifestFileName, manifestNotes, sha256File, type BackupManifest } from './manifest.ts';
import { findPgTool, runPgTool } from './pg-tools.ts';

export interface BackupOptions {
  /** The folder the backup's own folder is made in. */
  outDir: string;
  /** The PostgreSQL URL of the database (required on PostgreSQL). */
  databaseUrl?: string | undefined;
  pgBinDir?: string | undefined;
  now?: Date;
}

export interface MadeBackup {
  /** The backup's folder. */
  location: string;
  manifest: BackupManifest;
}

/** Adapts a `pg` client to the little `readDatabaseState` needs. */
export function queryableOf(client: pg.ClientBase): Queryable {
  return { query: async <R>(text: string) => ({ rows: (await client.query(text)).rows as R[] }) };
}

function backupName(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `hark-backup-${stamp}-${randomBytes(2).toString('hex')}`;
}

export async function makeBackup(database: DatabaseHandle, options: BackupOptions): Promise<MadeBackup> {
  const now = options.now ?? new Date();
  const name = backupName(now);
  await mkdir(options.outDir, { recursive: true }).catch((error: Error) => {
    throw new BackupError(`Cannot make the backup folder ${options.outDir}: ${error.message}`);
  });
  // Written under a .partial name and renamed when whole: a listed backup is a finished one.
  const partial = path.join(options.outDir, `${name}.partial`);
  const location = path.join(options.outDir, name);
  await mkdir(partial, { mode: 0o700 });
  try {
    const fileName = database.kind === 'postgres' ? 'database.dump' : 'pgdata.tar.gz';
    const dataFile = path.join(partial, fileName);
    const taken = database.kind === 'postgres' ? await dumpPostgres(dataFile, options) : await dumpPglite(database, dataFile);
    const file = await sha256File(dataFile);
    const manifest: BackupManifest = {
      format: 'hark-backup/1',
      kind: database.kind,
      createdAt: now.toISOString(),
      schemaVersion: taken.state.schemaVersion,
      serverVersion: taken.serverVersion,
      file: { name: fileName, ...file },
      tables: taken.state.tables,
      auditChainHeads: taken.state.auditChainHeads,
      notes: manifestNotes,
    };
    await writeFile(path.join(partial, manifestFileName), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    await rename(partial, location);
    return { location, manifest };
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
}

interface Taken {
  state: DatabaseState;
  serverVersion: string;
}

async function dumpPostgres(dataFile: string, options: BackupOptions): Promise<Taken> {
  if (!options.databaseUrl) throw new BackupError('A PostgreSQL backup needs DATABASE_URL.');
  const client = new pg.Client({ connectionString: options.databaseUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    // pg_dump reads the snapshot this transaction exported, so its file holds exactly the
    // rows the manifest counts.
    await client.query('begin isolation level repeatable read read only');
    for (const setting of stableTextSettings) await client.query(setting);
    const { rows } = await client.query<{ snapshot: string; version: string; major: string }>(
      `select pg_export_snapshot() as snapshot, current_setting('server_version') as version, (current_setting('server_version_num')::int / 10000)::text as major`,
    );
    const info = rows[0];
    if (!info) throw new Error('no snapshot');
    const state = await readDatabaseState(queryableOf(client));
    const pgDump = await findPgTool('pg_dump', Number(info.major), options.pgBinDir);
    await runPgTool(pgDump, ['--format=custom', '--no-password', `--snapshot=${info.snapshot}`, `--file=${dataFile}`], options.databaseUrl);
    await client.query('commit');
    return { state, serverVersion: info.version };
  } finally {
    await client.end().catch(() => {});
  }
}

async function dumpPglite(database: DatabaseHandle, dataFile: string): Promise<Taken> {
  const pglite = database.pglite;
  if (!pglite) throw new BackupError('The embedded database is not open in this process.');
  // The pool's only connection: while it is held, nothing else in this process can write.
  const client = await database.pool.connect();
  let failed: Error | undefined;
  try {
    await client.query('begin');
    for (const setting of stableTextSettings) await client.query(setting);
    const state = await readDatabaseState(queryableOf(client));
    const { rows } = await client.query<{ version: string }>(`select current_setting('server_version') as version`);
    await client.query('commit');
    await client.query('checkpoint');
    const tarball = await pglite.dumpDataDir('gzip');
    await writeFile(dataFile, Buffer.from(await tarball.arrayBuffer()), { mode: 0o600 });
    return { state, serverVersion: `${rows[0]?.version ?? 'unknown'} (PGlite)` };
  } catch (error) {
    failed = error as Error;
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release(failed);
  }
}
