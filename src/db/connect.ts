/**
 * Opens the database: PostgreSQL when a URL is configured, otherwise embedded PGlite served
 * on a private Unix socket by pglite-socket, so that `pg`, Kysely and pg-boss run the same
 * code against both.
 *
 * The embedded path is held to one connection: pglite-socket's multiplexer interleaves the
 * extended-protocol messages of concurrent connections (seen as "unnamed prepared statement
 * does not exist" under 10 concurrent pool connections), and every session shares one
 * backend, so only a single connection keeps transactions and their settings isolated.
 */
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

// Dates stay calendar strings ('2026-05-01'), never shifted by the process's timezone;
// counts (int8) are numbers: they stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  readonly kind: 'postgres' | 'pglite';
  readonly db: Db;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL URL; when absent, embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; undefined keeps the embedded database in memory. */
  pgliteDir?: string | undefined;
  poolMax?: number;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolMax ?? 10 });
    pool.on('error', () => {
      // An idle client lost its connection; the pool replaces it. Nothing to log here
      // that could carry query text.
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { kind: 'postgres', db, pool, close: () => db.destroy() };
  }
  return openEmbedded(options.pgliteDir);
}

async function openEmbedded(dir: string | undefined): Promise<DatabaseHandle> {
  if (dir) await mkdir(dir, { recursive: true });
  const pglite = await PGlite.create(dir ? { dataDir: dir } : {});
  // A fresh private directory: the socket needs no password, so only this user may reach it.
  const socketDir = await mkdtemp(path.join(os.tmpdir(), 'hark-pg-'));
  const socketPort = 5432;
  const server = new PGLiteSocketServer({
    db: pglite,
    path: path.join(socketDir, `.s.PGSQL.${socketPort}`),
    maxConnections: 1,
  });
  await server.start();
  const pool = new pg.Pool({ host: socketDir, port: socketPort, user: 'postgres', database: 'postgres', max: 1 });
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'pglite',
    db,
    pool,
    async close() {
      await db.destroy();
      await server.stop();
      await pglite.close();
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}
