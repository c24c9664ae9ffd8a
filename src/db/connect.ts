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
import { randomBytes } from 'node:crypto';
import { link, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { kyselyOverPool, pipelinedPoolSettings } from './pipelined-transaction.ts';
import { ReadReplica } from './replica.ts';
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
  /** The embedded database itself (backups copy its data folder); absent on PostgreSQL. */
  readonly pglite?: PGlite;
  /** The read replica, when DATABASE_REPLICA_URL is set (PostgreSQL only). */
  readonly replica?: ReadReplica;
  /**
   * Where dashboards, reports and exports read: the replica while it answers and keeps up,
   * else (and always without a replica) `db`. Writes never go here.
   */
  readonly readDb: Db;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL URL; when absent, embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; undefined keeps the embedded database in memory. */
  pgliteDir?: string | undefined;
  poolMax?: number;
  /** A streaming replica of `databaseUrl` to read reports from; only with `databaseUrl`. */
  replicaUrl?: string | undefined;
  /** Reads go back to the primary while the replica is further behind than this (default 30 s). */
  replicaMaxLagSeconds?: number;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolMax ?? 10, ...pipelinedPoolSettings });
    pool.on('error', () => {
      // An idle client lost its connection; the pool replaces it. Nothing to log here
      // that could carry query text.
    });
    // A client in use (inside a transaction, between two of its queries) whose connection
    // the server ends (a restart: 57P01) emits 'error' with no pool listener attached, and an
    // unheard 'error' kills the process. Its queries fail on their own and the pool drops it
    // on release, so the event itself needs nothing more.
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = kyselyOverPool(pool);
    if (!options.replicaUrl) return { kind: 'postgres', db, pool, readDb: db, close: () => db.destroy() };
    const replica = new ReadReplica(db, { url: options.replicaUrl, poolMax: options.poolMax ?? 10, maxLagSeconds: options.replicaMaxLagSeconds ?? 30 });
    // Reads use the primary until this first check finds the replica answering and keeping up.
    await replica.check();
    replica.startChecking();
    return {
      kind: 'postgres',
      db,
      pool,
      replica,
      get readDb() {
        return replica.readDb;
      },
      async close() {
        await replica.close();
        await db.destroy();
      },
    };
  }
  if (options.replicaUrl) throw new Error('a read replica needs a PostgreSQL primary (DATABASE_URL)');
  return openEmbedded(options.pgliteDir);
}

async function openEmbedded(dir: string | undefined): Promise<DatabaseHandle> {
  if (dir) await mkdir(dir, { recursive: true });
  const unlock = dir ? await lockDataDir(dir) : async () => {};
  let pglite: PGlite | undefined;
  let socketDir: string | undefined;
  try {
    pglite = await PGlite.create(dir ? { dataDir: dir } : {});
    // A fresh private directory: the socket needs no password, so only this user may reach it.
    socketDir = await mkdtemp(path.join(os.tmpdir(), 'hark-pg-'));
    const socketPort = 5432;
    const server = new PGLiteSocketServer({
      db: pglite,
      path: path.join(socketDir, `.s.PGSQL.${socketPort}`),
      maxConnections: 1,
    });
    await server.start();
    const pool = new pg.Pool({ host: socketDir, port: socketPort, user: 'postgres', database: 'postgres', max: 1, ...pipelinedPoolSettings });
    pool.on('error', () => {});
    const db = kyselyOverPool(pool);
    const [openPglite, openSocketDir] = [pglite, socketDir];
    return {
      kind: 'pglite',
      db,
      pool,
      readDb: db,
      pglite: openPglite,
      async close() {
        try {
          await db.destroy();
          await server.stop();
          await openPglite.close();
          await rm(openSocketDir, { recursive: true, force: true });
        } finally {
          await unlock();
        }
      },
    };
  } catch (error) {
    await pglite?.close().catch(() => {});
    if (socketDir) await rm(socketDir, { recursive: true, force: true });
    await unlock();
    throw error;
  }
}

/**
 * PGlite works on the data folder from inside one process, with no locking of its own: a
 * second process (or a second open in this one) on the same folder would run on its own
 * copy and silently lose one side's writes. A lock file beside the folder, holding the
 * owner's process id, refuses that; a lock left by a process that no longer runs is taken
 * over. Returns the function that releases the lock.
 */
/** Lock files this process holds: a lock naming our own pid that we do not hold is stale
 * (a container restarted with the same pid, typically 1, after a hard stop). */
const locksHeldHere = new Set<string>();

async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const lockFile = `${path.resolve(dir)}.lock`;
  // Written whole under another name, then linked into place: the lock file is never seen empty.
  const draft = `${lockFile}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, `${process.pid}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(draft, lockFile);
        locksHeldHere.add(lockFile);
        return async () => {
          locksHeldHere.delete(lockFile);
          await rm(lockFile, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => ''), 10);
      const heldByOtherProcess = holder !== process.pid && isRunning(holder);
      if (Number.isSafeInteger(holder) && holder > 0 && (heldByOtherProcess || locksHeldHere.has(lockFile))) {
        const who = holder === process.pid ? 'this process' : `another process (pid ${holder})`;
        throw new Error(
          `The embedded database in ${dir} is already open in ${who}. Stop that Hark first, or set ` +
            `DATABASE_URL to use PostgreSQL, which many processes can share. If no Hark is running, delete ${lockFile}.`,
        );
      }
      await rm(lockFile, { force: true });
    }
    throw new Error(`could not lock the embedded database in ${dir}: ${lockFile} keeps changing`);
  } finally {
    await rm(draft, { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
