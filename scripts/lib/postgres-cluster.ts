/**
 * A PostgreSQL cluster of its own, in a temporary folder, on a free loopback port: made with
 * initdb (or, for a hot standby of another, with pg_basebackup), run with pg_ctl, so that it
 * can be restarted or stopped without touching the machine's shared server (other people's
 * tests use that one). The soak run, the database-outage test and the read-replica test use it.
 *
 * PostgreSQL refuses to run as root: as root, every initdb and pg_ctl runs through
 * `runuser -u postgres --` and the folder belongs to postgres.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const defaultPostgresBinDir = '/usr/lib/postgresql/15/bin';

export interface PostgresClusterOptions {
  /** Folder of initdb, pg_ctl and postgres (default: PostgreSQL 15's on Debian). */
  binDir?: string;
  /** Server settings given to postgres (`-c name=value`), e.g. fsync off for a quick test. */
  settings?: Record<string, string>;
  /** Make a hot standby streaming from this cluster (pg_basebackup -R) instead of a new cluster. */
  standbyOf?: PostgresCluster;
}

export interface PostgresCluster {
  port: number;
  /** A URL of the cluster's superuser for `database` (default postgres). */
  url(database?: string): string;
  /** Runs one statement on a connection of its own, as the superuser, in `postgres`. */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>;
  /** `pg_ctl restart -m fast`: every connection is ended (57P01) and the server comes back. Resolves when it accepts connections. */
  restart(): Promise<void>;
  /** `pg_ctl stop -m fast`. */
  stop(): Promise<void>;
  /** `pg_ctl start`, after a stop. Resolves when it accepts connections. */
  start(): Promise<void>;
  /** The server's log so far. */
  log(): Promise<string>;
  /** Stops the server at once (if running) and removes the folder. */
  destroy(): Promise<void>;
}

/** A port nobody listens on just now (the kernel's choice). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

interface PostgresUser {
  uid: number;
  gid: number;
}

/** As root: the postgres account that runs the cluster. Otherwise null (run as ourselves). */
async function postgresUser(): Promise<PostgresUser | null> {
  if (process.getuid?.() !== 0) return null;
  const passwd = await readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid) throw new Error('running as root, but there is no postgres account to run PostgreSQL as (PostgreSQL refuses to run as root)');
  return { uid: Number(uid), gid: Number(gid) };
}

function run(file: string, args: string[], owner: PostgresUser | null, env?: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  const [command, commandArgs] = owner ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  return new Promise((resolve, reject) => {
    // pg_ctl start hands the server's output to the log file (-l), so these pipes close when pg_ctl exits.
    execFile(command, commandArgs, { timeout: 120_000, env: env ?? process.env }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} ${args[0] ?? ''} failed: ${stderr.trim() || error.message}`));
      else resolve({ stdout, stderr });
    });
  });
}

export async function createPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const binDir = options.binDir ?? defaultPostgresBinDir;
  const owner = await postgresUser();
  const root = await mkdtemp(path.join(os.tmpdir(), 'hark-pg-cluster-'));
  const dataDir = path.join(root, 'data');
  const logFile = path.join(root, 'server.log');
  // A standby is a copy of its primary: the same superuser and password.
  const password = options.standbyOf ? decodeURIComponent(new URL(options.standbyOf.url()).password) : randomBytes(18).toString('base64url');
  const port = await freePort();
  let running = false;
  try {
    if (owner) await chown(root, owner.uid, owner.gid);
    if (options.standbyOf) {
      // The default pg_hba.conf of initdb lets the superuser replicate from loopback with its password.
      await run(
        path.join(binDir, 'pg_basebackup'),
        ['-h', '127.0.0.1', '-p', String(options.standbyOf.port), '-U', 'postgres', '-D', dataDir, '-R', '-X', 'stream', '-c', 'fast'],
        owner,
        { ...process.env, PGPASSWORD: password },
      );
    } else {
      const passwordFile = path.join(root, 'password');
      await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
      if (owner) await chown(passwordFile, owner.uid, owner.gid);
      await run(
        path.join(binDir, 'initdb'),
        ['-D', dataDir, '-U', 'postgres', '--pwfile', passwordFile, '-A', 'scram-sha-256', '-E', 'UTF8', '--locale', 'C', '--no-sync'],
        owner,
      );
      await rm(passwordFile, { force: true });
    }
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }

  const settings = {
    port: String(port),
    listen_addresses: '127.0.0.1',
    unix_socket_directories: root,
    ...options.settings,
  };
  const serverOptions = Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
  const pgCtl = (args: string[]) => run(path.join(binDir, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', '60', ...args], owner);
  // A process that ends without calling destroy (a hook that timed out, an exit on a second
  // ^C) must not leave a server running: stopped at exit, synchronously.
  const stopAtExit = () => {
    if (running) {
      const [command, args] = owner ? ['runuser', ['-u', 'postgres', '--', path.join(binDir, 'pg_ctl')]] : [path.join(binDir, 'pg_ctl'), []];
      try {
        execFileSync(command, [...args, '-D', dataDir, '-m', 'immediate', '-w', 'stop'], { stdio: 'ignore', timeout: 30_000 });
      } catch {
        // already stopped
      }
    }
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', stopAtExit);

  const cluster: PostgresCluster = {
    port,
    url: (database = 'postgres') => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
    async query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []) {
      const client = new pg.Client({ connectionString: cluster.url() });
      await client.connect();
      try {
        return (await client.query<T>(text, values)).rows;
      } finally {
        await client.end();
      }
    },
    async restart() {
      await pgCtl(['-m', 'fast', '-o', serverOptions, 'restart']);
      running = true;
    },
    async stop() {
      await pgCtl(['-m', 'fast', 'stop']);
      running = false;
    },
    async start() {
      await pgCtl(['-o', serverOptions, 'start']);
      running = true;
    },
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    async destroy() {
      process.off('exit', stopAtExit);
      if (running) await pgCtl(['-m', 'immediate', 'stop']).catch(() => {});
      running = false;
      await rm(root, { recursive: true, force: true });
    },
  };
  try {
    await cluster.start();
  } catch (error) {
    const log = await cluster.log();
    await cluster.destroy();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${log.slice(-2000)}`);
  }
  return cluster;
}
