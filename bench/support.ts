/**
 * What the benchmarks share: a throw-away database on the PostgreSQL of DATABASE_URL,
 * clean-up that also runs on failure and ^C, the benchmark client, and CPU accounting.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createThrowawayDatabase } from '../scripts/lib/throwaway-database.ts';
import { createClient } from '../src/clients/index.ts';
import type { Services } from '../src/context.ts';
import { asClientId, type ClientId } from '../src/db/tenancy.ts';
import { createLocation, createProgramme } from '../src/programmes/index.ts';

export { adminUrl, redact } from '../scripts/lib/throwaway-database.ts';

export const log = (line: string) => process.stderr.write(`${line}\n`);
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


export function positiveNumber(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not "${text}"`);
  return value;
}

// ---------------------------------------------------------------------------------------
// Clean-up: everything made for a run is undone in reverse order, also on failure or ^C.

const cleanups: Array<() => Promise<unknown>> = [];
export const liveChildren = new Set<ChildProcess>();

export function onCleanUp(step: () => Promise<unknown>): void {
  cleanups.push(step);
}

export async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    const step = cleanups.pop();
    try {
      await step?.();
    } catch (error) {
      log(`clean-up step failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

process.on('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`\n${signal}: stopping and dropping the benchmark database…`);
    void cleanUp().finally(() => process.exit(130));
  });
}

/** Runs a benchmark's main function, cleans up, and exits (a stray library timer must not keep it alive). */
export function runMain(main: () => Promise<number>): void {
  main().then(
    async (code) => {
      await cleanUp();
      process.exit(code);
    },
    async (error: unknown) => {
      log(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      await cleanUp();
      process.exit(1);
    },
  );
}

// ---------------------------------------------------------------------------------------
// Database

export interface BenchDatabase {
  name: string;
  url: string;
  serverVersion: string;
}

/** A fresh database on the server of DATABASE_URL, dropped at clean-up. */
export async function createBenchDatabase(prefix: string): Promise<BenchDatabase> {
  const database = await createThrowawayDatabase(prefix);
  onCleanUp(async () => {
    await database.drop();
    log(`dropped database ${database.name}`);
  });
  return { name: database.name, url: database.url, serverVersion: database.serverVersion };
}

export const baselineTableSql = `create table baseline_feedback (
  id uuid primary key,
  client_id uuid not null,
  location_id uuid not null,
  score smallint not null,
  comment text not null default '',
  created_at timestamptz not null default now()
)`;

export interface BenchClient {
  clientId: ClientId;
  programmeId: string;
  location: { id: string; code: string };
}

/** One client with one programme (scale 1–5, no prize draw) and one location. */
export async function createBenchClient(services: Services): Promise<BenchClient> {
  const client = await createClient(services.db, services.keyrings, {
    name: 'Bench Café',
    timezone: 'Pacific/Auckland',
    privacyPolicyUrl: 'https://example.com/privacy',
  });
  const clientId = asClientId(client.id);
  const programme = await createProgramme(services.db, clientId, {
    name: 'Feedback',
    scale: 'recommend_5',
    leadQuestion: 'How likely are you to recommend us to a friend?',
    followUpQuestion: 'What is the main reason for your score?',
  });
  const location = await createLocation(services.db, clientId, {
    programmeId: programme.id,
    name: 'Main Street',
    code: `bench-${randomBytes(3).toString('hex')}`,
  });
  return { clientId, programmeId: programme.id, location: { id: location.id, code: location.code } };
}

// ---------------------------------------------------------------------------------------
// CPU accounting (Linux /proc): where the CPU time of a run went, and how busy the rest of
// the machine was meanwhile. On a small machine the server, PostgreSQL and the load
// generator share the CPUs, so CPU per request explains a throughput better than
// wall-clock figures alone, and other busy processes make every figure unreliable.

const TICKS_PER_SECOND = 100; // USER_HZ: the unit of /proc/stat and /proc/<pid>/stat on Linux

export interface CpuSnapshot {
  machineBusy: number;
  perPid: Map<number, { group: string; ticks: number }>;
}

export interface CpuUse {
  /** CPU seconds per group; PostgreSQL's are under 'postgres'. */
  seconds: Record<string, number>;
  /** CPUs kept busy on average by processes that are not part of this benchmark. */
  otherCpus: number;
}

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

/**
 * CPU ticks of our processes: `own` names the Node processes; PostgreSQL's are its backends
 * connected to `databaseName` and the shared background processes (WAL writer, checkpointer…).
 * Null where /proc is not available.
 */
export async function cpuSnapshot(own: ReadonlyMap<number, string>, databaseName: string): Promise<CpuSnapshot | null> {
  const stat = await readText('/proc/stat');
  if (!stat) return null;
  const fields = (stat.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  const perPid = new Map<number, { group: string; ticks: number }>();
  const sharedPostgres = /^postgres: .*(checkpointer|background writer|walwriter|autovacuum launcher|logical replication launcher|archiver)/;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let group = own.get(pid) ?? null;
    if (!group) {
      const cmdline = (await readText(`/proc/${pid}/cmdline`))?.replaceAll('\0', ' ') ?? '';
      if (cmdline.startsWith('postgres: ') && (cmdline.includes(` ${databaseName} `) || sharedPostgres.test(cmdline))) group = 'postgres';
    }
    if (!group) continue;
    const pidStat = await readText(`/proc/${pid}/stat`);
    const rest = pidStat?.slice(pidStat.lastIndexOf(')') + 2).split(' ');
    if (!rest) continue;
    perPid.set(pid, { group, ticks: Number(rest[11]) + Number(rest[12]) });
  }
  return { machineBusy: user + nice + system + irq + softirq + steal, perPid };
}

export function cpuUse(before: CpuSnapshot | null, after: CpuSnapshot | null, wallSeconds: number): CpuUse | null {
  if (!before || !after) return null;
  const seconds: Record<string, number> = {};
  for (const [pid, now] of after.perPid) {
    const then = before.perPid.get(pid)?.ticks ?? 0;
    seconds[now.group] = (seconds[now.group] ?? 0) + (now.ticks - then) / TICKS_PER_SECOND;
  }
  const ours = Object.values(seconds).reduce((a, b) => a + b, 0);
  const busy = (after.machineBusy - before.machineBusy) / TICKS_PER_SECOND;
  return { seconds, otherCpus: Math.max(0, busy - ours) / wallSeconds };
}

/** Prints rows as aligned columns: the first left-aligned, the rest right-aligned. */
export function formatTable(rows: string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('   ').trimEnd());
}
