/**
 * Throwaway PostgreSQL 15 clusters for deployment tests: a primary made by initdb in a temp
 * folder, and a streaming standby of it made by pg_basebackup, each on a free loopback port,
 * started and stopped by the test. PostgreSQL refuses to run as root, so when the tests run
 * as root (CI) every command runs as the postgres user, in folders it owns.
 */
import { execFile } from 'node:child_process';
import { appendFile, chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../cli/harness.ts';
import { waitFor } from '../helpers/wait.ts';

const run = promisify(execFile);
const binDir = process.env.HARK_TEST_PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

async function pgCommand(command: string, args: string[]): Promise<string> {
  const [file, fullArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(binDir, command), ...args]] : [path.join(binDir, command), args];
  try {
    const { stdout } = await run(file, fullArgs, { timeout: 60_000 });
    return stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr || stdout || String(error)}`);
  }
}

async function ownedByPostgres(dir: string): Promise<void> {
  if (!asRoot) return;
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  await chown(dir, Number(uid.trim()), Number(gid.trim()));
}

export interface Cluster {
  port: number;
  dataDir: string;
  /** A DATABASE_URL for its `postgres` database, as the superuser postgres (trust on loopback). */
  url: string;
  /** Runs one statement on its own connection. */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

export interface ReplicatedPair {
  primary: Cluster;
  standby: Cluster;
  /** Stops both and removes their folders. */
  remove(): Promise<void>;
}

/** Settings that keep a test cluster small and quick (nothing here must survive a crash). */
const quick = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'shared_buffers=16MB', '-c', 'max_connections=60'];

async function startCluster(root: string, dataDir: string, port: number, extra: string[]): Promise<Cluster> {
  const options = ['-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${root}`, ...quick, ...extra].join(' ');
  await pgCommand('pg_ctl', ['-D', dataDir, '-o', options, '-l', `${dataDir}.log`, '-w', '-t', '60', 'start']);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    port,
    dataDir,
    url,
    async query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query<T>(text, values)).rows;
      } finally {
        await client.end();
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await pgCommand('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => {});
    },
  };
}

/**
 * A primary (wal_level=replica, replication allowed from loopback) and a hot standby
 * streaming from it, made with pg_basebackup -R.
 */
export async function startReplicatedPair(): Promise<ReplicatedPair> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'hark-replica-'));
  await ownedByPostgres(root);
  const started: Cluster[] = [];
  const remove = async () => {
    for (const cluster of started.reverse()) await cluster.stop();
    await rm(root, { recursive: true, force: true });
  };
  try {
    const primaryDir = path.join(root, 'primary');
    await pgCommand('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    await appendFile(path.join(primaryDir, 'pg_hba.conf'), '\nhost replication postgres 127.0.0.1/32 trust\n');
    const primary = await startCluster(root, primaryDir, await freePort(), ['-c', 'wal_level=replica', '-c', 'max_wal_senders=4']);
    started.push(primary);

    const standbyDir = path.join(root, 'standby');
    await pgCommand('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', standbyDir, '-R', '-X', 'stream', '-c', 'fast']);
    const standby = await startCluster(root, standbyDir, await freePort(), ['-c', 'hot_standby=on']);
    started.push(standby);
    return { primary, standby, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/**
 * Waits until the standby has replayed everything the primary had committed when this was
 * called: up to its WAL insert position, since these clusters commit asynchronously and a
 * commit may not be written yet.
 */
export async function replicaCaughtUp(pair: ReplicatedPair, timeoutMs = 10_000): Promise<void> {
  const [{ lsn } = { lsn: '' }] = await pair.primary.query<{ lsn: string }>('select pg_current_wal_insert_lsn()::text as lsn');
  await waitFor(
    async () => {
      const [row] = await pair.standby.query<{ caught_up: boolean }>('select pg_last_wal_replay_lsn() >= $1::pg_lsn as caught_up', [lsn]);
      return row?.caught_up ? true : undefined;
    },
    { timeoutMs, intervalMs: 50, what: `the standby to replay up to ${lsn}` },
  );
}
