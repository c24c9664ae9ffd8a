/**
 * Runs the real `hark` command (node bin/hark.js) as a child process, the way a person or a
 * process manager does: its own environment, a free port, a data folder of its own. Every
 * child started here is killed by `killAll` (call it in afterEach/afterAll), so a failing
 * test never leaves a server behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { expect } from 'vitest';
import { openDatabase, type DatabaseHandle, type Db } from '../../src/db/connect.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabaseKind } from '../helpers/database.ts';
import { waitFor } from '../helpers/wait.ts';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const harkBin = path.join(root, 'bin', 'hark.js');

export type Env = Record<string, string | undefined>;

/**
 * The environment of a child: this process's, without any Hark setting the test runner may
 * have (so a developer's DATABASE_URL or PORT never leaks in), plus `env`. A value of
 * undefined leaves the variable unset.
 */
export function childEnv(env: Env): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !/^(HARK_|DATABASE_URL$|PORT$|HOST$|SMTP_URL$)/.test(name));
  const merged: NodeJS.ProcessEnv = Object.fromEntries(inherited);
  for (const [name, value] of Object.entries({ HARK_LOG_LEVEL: 'warn', ...env })) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const children = new Set<HarkProcess>();

/** One running `hark …` child, with everything it printed so far. */
export class HarkProcess {
  readonly child: ChildProcess;
  readonly args: readonly string[];
  stdout = '';
  stderr = '';
  exit: Exit | null = null;
  readonly exited: Promise<Exit>;

  constructor(args: readonly string[], env: Env) {
    this.args = args;
    this.child = spawn(process.execPath, [harkBin, ...args], { cwd: root, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise<Exit>((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        children.delete(this);
        resolve(this.exit);
      });
    });
    children.add(this);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get output(): string {
    return `${this.stdout}${this.stderr}`;
  }

  /** What it printed, for assertion messages. */
  describe(): string {
    return `hark ${this.args.join(' ')} (exit ${JSON.stringify(this.exit)})\n--- stdout\n${this.stdout}\n--- stderr\n${this.stderr}`;
  }

  /** Waits until stdout matches; fails at once, with the output, if the process ends first. */
  async waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
    const result = await waitFor(
      async () => {
        const match = pattern.exec(this.stdout);
        if (match) return { match };
        if (this.exit) return { match: null };
        return undefined;
      },
      { timeoutMs, intervalMs: 50, what: `${pattern} in the output of hark ${this.args.join(' ')}` },
    ).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${this.describe()}`);
    });
    if (!result.match) throw new Error(`hark ended before printing ${pattern}\n${this.describe()}`);
    return result.match;
  }

  /** Sends a signal and waits for the exit; returns it with how long the exit took. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<Exit & { ms: number }> {
    const started = Date.now();
    if (!this.exit) this.child.kill(signal);
    const exit = await Promise.race([
      this.exited,
      delay(timeoutMs, null, { ref: false }),
    ]);
    if (!exit) {
      this.child.kill('SIGKILL');
      throw new Error(`hark did not exit within ${timeoutMs} ms of ${signal}\n${this.describe()}`);
    }
    return { ...exit, ms: Date.now() - started };
  }
}

export function startHarkProcess(args: readonly string[], env: Env): HarkProcess {
  return new HarkProcess(args, env);
}

/** Runs a command to its end (killing it at the deadline) and returns what it printed. */
export async function runHark(args: readonly string[], env: Env, timeoutMs = 60_000): Promise<Exit & { stdout: string; stderr: string; output: string; ms: number }> {
  const started = Date.now();
  const hark = new HarkProcess(args, env);
  const exit = await Promise.race([hark.exited, delay(timeoutMs, null, { ref: false })]);
  if (!exit) {
    hark.child.kill('SIGKILL');
    await hark.exited;
    throw new Error(`hark ${args.join(' ')} did not finish within ${timeoutMs} ms\n${hark.describe()}`);
  }
  return { ...exit, stdout: hark.stdout, stderr: hark.stderr, output: hark.output, ms: Date.now() - started };
}

/** Kills every child still running (SIGKILL) and waits for them: for afterEach/afterAll. */
export async function killAll(): Promise<void> {
  const running = [...children];
  for (const hark of running) hark.child.kill('SIGKILL');
  await Promise.all(running.map((hark) => hark.exited));
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Whether something accepts TCP connections on the port (IPv4 loopback). */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const tempDirs: string[] = [];

/** A fresh empty folder, removed by `removeTempDirs`. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hark-cli-'));
  tempDirs.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/**
 * The database a CLI test points Hark at: a data folder always, plus a fresh PostgreSQL
 * database through DATABASE_URL when the suite runs with HARK_TEST_DB=postgres.
 */
export interface CliDatabase {
  kind: TestDatabaseKind;
  dataDir: string;
  /** HARK_DATA_DIR, and DATABASE_URL on PostgreSQL. */
  env: Env;
  /** Opens the same database in this process; stop every Hark using embedded PGlite first. */
  open(): Promise<DatabaseHandle>;
  drop(): Promise<void>;
}

export async function cliDatabase(): Promise<CliDatabase> {
  const dataDir = await tempDir();
  const database = await createTestDatabase();
  return {
    kind: testDatabaseKind,
    dataDir,
    env: { HARK_DATA_DIR: dataDir, ...(database.url ? { DATABASE_URL: database.url } : {}) },
    open: () => openDatabase({ databaseUrl: database.url, pgliteDir: database.url ? undefined : path.join(dataDir, 'pgdata'), poolMax: 1 }),
    drop: () => database.drop(),
  };
}

/** Opens the database, runs `work` and closes it again. */
export async function withDatabase<T>(database: CliDatabase, work: (db: Db) => Promise<T>): Promise<T> {
  const handle = await database.open();
  try {
    return await work(handle.db);
  } finally {
    await handle.close();
  }
}

export interface DemoFacts {
  clients: number;
  /** Locations that take feedback (not the region nodes above them), with their staff counts. */
  locations: { code: string; subMeasures: number }[];
  feedback: number;
  channels: string[];
  scores: number[];
  distinctComments: number;
  withComment: number;
  categories: string[];
  firstDay: Date;
  lastDay: Date;
  rollupResponses: number;
}

/** What the demo put in the database, read as the owner (row-level security does not apply). */
export async function demoFacts(db: Db): Promise<DemoFacts> {
  const { rows: [counts] = [] } = await sql<{
    clients: number;
    feedback: number;
    distinct_comments: number;
    with_comment: number;
    first_day: Date | null;
    last_day: Date | null;
    rollup_responses: number | null;
  }>`select (select count(*) from clients)::int as clients,
            count(*)::int as feedback,
            count(distinct comment) filter (where comment <> '')::int as distinct_comments,
            count(*) filter (where comment <> '')::int as with_comment,
            min(submitted_at) as first_day,
            max(submitted_at) as last_day,
            (select sum(responses) from feedback_daily_rollups)::int as rollup_responses
       from feedback`.execute(db);
  const locations = await sql<{ code: string; sub_measures: number }>`
    select l.code, (select count(*) from sub_measures s where s.client_id = l.client_id and s.location_id = l.id)::int as sub_measures
      from locations l
     where not exists (select 1 from locations c where c.client_id = l.client_id and c.parent_id = l.id)
     order by l.code`.execute(db);
  const channels = await sql<{ channel: string }>`select distinct channel from feedback order by 1`.execute(db);
  const scores = await sql<{ score: number }>`select distinct score from feedback order by 1`.execute(db);
  const categories = await sql<{ category: string }>`select distinct category from feedback order by 1`.execute(db);
  if (!counts) throw new Error('no counts');
  return {
    clients: counts.clients,
    locations: locations.rows.map((l) => ({ code: l.code, subMeasures: l.sub_measures })),
    feedback: counts.feedback,
    channels: channels.rows.map((r) => r.channel),
    scores: scores.rows.map((r) => r.score),
    distinctComments: counts.distinct_comments,
    withComment: counts.with_comment,
    categories: categories.rows.map((r) => r.category),
    firstDay: new Date(counts.first_day ?? 0),
    lastDay: new Date(counts.last_day ?? 0),
    rollupResponses: counts.rollup_responses ?? 0,
  };
}

const DAY = 86_400_000;

/**
 * The demo as the issue describes it: one client, at least three locations with staff, a
 * few thousand responses over about six months up to today, several channels, scores over
 * the whole scale, comments that read varied, and rollups that add up to the responses.
 */
export function expectRealisticDemo(facts: DemoFacts): void {
  expect(facts.clients).toBe(1);
  expect(facts.locations.filter((l) => l.subMeasures > 0).length, JSON.stringify(facts.locations)).toBeGreaterThanOrEqual(3);
  expect(facts.feedback).toBeGreaterThanOrEqual(2000);
  expect(facts.feedback).toBeLessThanOrEqual(6000);
  const spanDays = (facts.lastDay.getTime() - facts.firstDay.getTime()) / DAY;
  expect(spanDays).toBeGreaterThanOrEqual(170);
  expect(spanDays).toBeLessThanOrEqual(190);
  // Up to today, not in the future.
  expect(facts.lastDay.getTime()).toBeLessThanOrEqual(Date.now());
  expect(Date.now() - facts.lastDay.getTime()).toBeLessThan(2 * DAY);
  expect(facts.channels.length, facts.channels.join()).toBeGreaterThanOrEqual(2);
  // nps_10: 0–10. Detractors, passives and promoters all present.
  expect(facts.scores.length, facts.scores.join()).toBeGreaterThanOrEqual(9);
  expect(Math.min(...facts.scores)).toBeLessThanOrEqual(1);
  expect(Math.max(...facts.scores)).toBe(10);
  expect(facts.withComment / facts.feedback).toBeGreaterThan(0.3);
  expect(facts.withComment / facts.feedback).toBeLessThan(0.9);
  expect(facts.distinctComments).toBeGreaterThanOrEqual(100);
  expect(facts.categories).toEqual(expect.arrayContaining(['complaint', 'compliment', 'suggestion']));
  expect(facts.rollupResponses).toBe(facts.feedback);
}
