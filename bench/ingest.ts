/**
 * Ingest benchmark: how many feedback submissions per second Hark stores through its real
 * public endpoint (POST /f/<location code>), against a bare baseline (Fastify + one `pg`
 * insert, bench/baseline-server.ts) on the same PostgreSQL, with the same load.
 *
 *   npm run bench:ingest [-- --connections 50 --duration 10 --warmup 2 --rounds 2]
 *
 * The PostgreSQL server is the one named by DATABASE_URL (default
 * postgres://postgres:postgres@127.0.0.1:5432/postgres). A fresh database is made for the
 * run and dropped afterwards, also when the run fails. Hark and the baseline each run as a
 * child process (never sharing an event loop with the load generator) and are loaded in
 * turns, never both at once.
 * Results go to stdout; the last line is `ratio <hark/baseline>` (throughput of 2xx answers).
 * Progress goes to stderr. See bench/README.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { complaints, middling, praise, staffNames } from '../src/demo/comments.ts';
import { issueFormToken } from '../src/feedback/form-token.ts';
import { deriveSecret } from '../src/keys/index.ts';
import { openServices } from '../src/start.ts';
import {
  adminUrl,
  baselineTableSql,
  cleanUp,
  cpuSnapshot,
  cpuUse,
  createBenchClient,
  createBenchDatabase,
  formatTable,
  liveChildren,
  log,
  onCleanUp,
  positiveNumber,
  redact,
  runMain,
  sleep,
  type CpuUse,
} from './support.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values: flags } = parseArgs({
  options: {
    connections: { type: 'string', short: 'c' },
    duration: { type: 'string', short: 'd' },
    warmup: { type: 'string', short: 'w' },
    rounds: { type: 'string', short: 'r' },
  },
  allowPositionals: false,
});

const options = {
  connections: Math.round(positiveNumber('connections (BENCH_CONNECTIONS)', flags.connections ?? process.env.BENCH_CONNECTIONS, 50)),
  duration: positiveNumber('duration (BENCH_DURATION)', flags.duration ?? process.env.BENCH_DURATION, 10),
  warmup: positiveNumber('warm-up (BENCH_WARMUP)', flags.warmup ?? process.env.BENCH_WARMUP, 2),
  /** Turns each server's measured time is cut into (BENCH_ROUNDS). */
  rounds: Math.round(positiveNumber('rounds (BENCH_ROUNDS)', flags.rounds ?? process.env.BENCH_ROUNDS, 2)),
};

// ---------------------------------------------------------------------------------------
// Servers under test, each a child process

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Server {
  name: string;
  url: string;
  child: ChildProcess;
  /** The last lines the process wrote, for diagnosis. */
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

async function startServer(name: string, script: string, args: string[], env: Record<string, string>, nodeArgs: string[] = []): Promise<Server> {
  const port = await freePort();
  // `node --import tsx` rather than the tsx command: one process, whose CPU time is the server's.
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exitCode: number | null | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : 0);
      liveChildren.delete(child);
      resolve();
    });
  });

  const server: Server = {
    name,
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => lines.join('\n'),
    exited: () => exitCode !== undefined,
    async stop() {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const hung = await Promise.race([exit.then(() => false), sleep(15_000).then(() => true)]);
      if (hung) {
        child.kill('SIGKILL');
        await exit;
      }
    },
  };
  onCleanUp(() => server.stop());

  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (server.exited()) throw new Error(`${name} exited during start-up (code ${exitCode}):\n${server.output()}`);
    try {
      const response = await fetch(`${server.url}/healthz`);
      if (response.ok) return server;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${name} did not answer /healthz within 60 s:\n${server.output()}`);
}

// ---------------------------------------------------------------------------------------
// What customers send

const scoreWeights: Array<[number, number]> = [[5, 0.45], [4, 0.25], [3, 0.12], [2, 0.08], [1, 0.1]];
const firstNames = ['aroha', 'ben', 'chloe', 'dev', 'ella', 'finn', 'grace', 'hemi', 'isla', 'jack', 'kiri', 'liam', 'mia', 'noah', 'olivia', 'priya'];
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
let submissionSeq = 0;

function pickScore(): number {
  let r = Math.random();
  for (const [score, weight] of scoreWeights) {
    r -= weight;
    if (r <= 0) return score;
  }
  return 5;
}

/** One urlencoded feedback form; one in four gives an email address (half of those a name too). */
function feedbackForm(token: string): string {
  const n = ++submissionSeq;
  const score = pickScore();
  const comments = score >= 4 ? praise : score === 3 ? middling : complaints;
  const comment = Math.random() < 0.1 ? '' : pick(comments).replaceAll('{staff}', pick(staffNames));
  const fields: Record<string, string> = { token, via: n % 3 === 0 ? 'qr' : 'web', score: String(score), comment };
  if (n % 4 === 0) {
    const first = pick(firstNames);
    // A pool of addresses, so most givers are new and some come back.
    fields.email = `${first}.${Math.floor(Math.random() * 20_000)}@example.com`;
    if (n % 8 === 0) fields.name = first.charAt(0).toUpperCase() + first.slice(1);
    if (score <= 2) fields.contact_requested = 'on';
  }
  return new URLSearchParams(fields).toString();
}

// ---------------------------------------------------------------------------------------
// Load

/** What one stretch of load on one server gave. */
interface Slice {
  seconds: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Response times in ms, of every answer. */
  latencies: number[];
  /** Form nonces of the submissions answered 2xx. */
  okNonces: string[];
  /** The first non-2xx answer, for diagnosis. */
  firstFailure: string | null;
  cpu: CpuUse | null;
}

async function load(server: Server, pathname: string, seconds: number, newToken: () => string, databaseName: string): Promise<Slice> {
  const okNonces: string[] = [];
  const latencies: number[] = [];
  let firstFailure: string | null = null;
  const own = new Map([[server.child.pid ?? -1, 'server'], [process.pid, 'load generator']]);
  const cpuBefore = await cpuSnapshot(own, databaseName);
  const loadOptions: autocannon.Options = {
    url: server.url,
    connections: options.connections,
    duration: seconds,
    pipelining: 1,
    timeout: 30,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    requests: [
      {
        path: pathname,
        // Every request a new one-time form token, as if each customer had just opened the form.
        setupRequest: (request, context) => {
          const token = newToken();
          // The per-connection context lives until this request's answer (pipelining 1).
          (context as { nonce?: string }).nonce = token.split('.')[1] ?? '';
          return { ...request, body: feedbackForm(token) };
        },
        onResponse: (status, body, context) => {
          if (status >= 200 && status < 300) {
            const nonce = (context as { nonce?: string }).nonce;
            if (nonce) okNonces.push(nonce);
          } else if (firstFailure === null) {
            const text = body.replace(/<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
            firstFailure = `HTTP ${status}: ${text.slice(0, 300)}`;
          }
        },
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(loadOptions, (error: unknown, done) => (error ? reject(error) : resolve(done)));
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  return {
    seconds: result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    latencies,
    okNonces,
    firstFailure,
    cpu: cpuUse(cpuBefore, await cpuSnapshot(own, databaseName), result.duration),
  };
}

function combine(slices: Slice[]): Slice {
  const statusCodes: Record<string, number> = {};
  for (const slice of slices) for (const [code, n] of Object.entries(slice.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  const seconds = slices.reduce((sum, s) => sum + s.seconds, 0);
  let cpu: CpuUse | null = { seconds: {}, otherCpus: 0 };
  for (const slice of slices) {
    if (!slice.cpu || !cpu) {
      cpu = null;
      continue;
    }
    for (const [group, s] of Object.entries(slice.cpu.seconds)) cpu.seconds[group] = (cpu.seconds[group] ?? 0) + s;
    cpu.otherCpus += (slice.cpu.otherCpus * slice.seconds) / Math.max(seconds, 1e-9);
  }
  const sum = (pick: (s: Slice) => number) => slices.reduce((total, s) => total + pick(s), 0);
  return {
    seconds,
    ok: sum((s) => s.ok),
    non2xx: sum((s) => s.non2xx),
    errors: sum((s) => s.errors),
    timeouts: sum((s) => s.timeouts),
    statusCodes,
    latencies: slices.flatMap((s) => s.latencies),
    okNonces: slices.flatMap((s) => s.okNonces),
    firstFailure: slices.find((s) => s.firstFailure)?.firstFailure ?? null,
    cpu,
  };
}

/** Nearest-rank percentile of unsorted values. */
function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** Waits until a count stops changing: requests cut off at the end of a run may still commit. */
async function settledCount(db: pg.Pool, query: string): Promise<number> {
  let last = -1;
  let stableReads = 0;
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    const { rows } = await db.query<{ n: number }>(query);
    const n = rows[0]?.n ?? 0;
    stableReads = n === last ? stableReads + 1 : 0;
    if (stableReads >= 3) return n;
    last = n;
    await sleep(150);
  }
  return last;
}

interface Target {
  server: Server;
  countSql: string;
  slices: Slice[];
  rowsBefore: number;
}

interface Measured {
  name: string;
  run: Slice;
  perSecond: number;
  p50: number;
  p99: number;
  rows: number;
  problems: string[];
  notes: string[];
}

/** The combined figures of a server's slices, and the check of the rows it stored. */
async function summarise(target: Target, pool: pg.Pool): Promise<Measured> {
  const { server } = target;
  const run = combine(target.slices);
  const rows = (await settledCount(pool, target.countSql)) - target.rowsBefore;
  const problems: string[] = [];
  const notes: string[] = [];
  if (run.non2xx > 0) {
    const codes = Object.entries(run.statusCodes)
      .map(([code, n]) => `${code}×${n}`)
      .join(' ');
    problems.push(`${run.non2xx} non-2xx answers (${codes}); first: ${run.firstFailure ?? '?'}`);
  }
  if (run.errors > 0) problems.push(`${run.errors} connection errors (${run.timeouts} timeouts)`);
  // Each 2xx stored one row; requests still in flight when a slice stopped may add up to one
  // row per connection, stored but never answered.
  const cutOff = rows - run.ok;
  if (cutOff < 0 || cutOff > options.connections * target.slices.length) problems.push(`${rows} rows were added for ${run.ok} 2xx answers`);
  notes.push(`${rows} rows added = ${run.ok} answered 2xx${cutOff > 0 ? ` + ${cutOff} cut off unanswered when a slice stopped` : ''}`);
  if (server.exited()) problems.push(`${server.name} exited during the run:\n${server.output()}`);
  else if (problems.length > 0 && server.output()) notes.push(`last output of ${server.name}:\n${server.output()}`);
  return {
    name: server.name,
    run,
    perSecond: run.ok / run.seconds,
    p50: percentile(run.latencies, 50),
    p99: percentile(run.latencies, 99),
    rows,
    problems,
    notes,
  };
}

// ---------------------------------------------------------------------------------------
// The run

async function main(): Promise<number> {
  const started = Date.now();
  const database = await createBenchDatabase('hark_bench');
  log(`database ${database.name} on ${redact(adminUrl).replace(/\/[^/]*$/, '')} (PostgreSQL ${database.serverVersion})`);

  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hark-bench-'));
  onCleanUp(() => rm(dataDir, { recursive: true, force: true }));
  const masterKey = randomBytes(32).toString('base64');
  const unlimited = '1000000000';
  const harkEnv: Record<string, string> = {
    DATABASE_URL: database.url,
    HARK_DATA_DIR: dataDir,
    HARK_MASTER_KEY: masterKey,
    HARK_LOG_LEVEL: 'warn',
    HARK_SUBMIT_LIMIT_PER_IP: unlimited,
    HARK_SUBMIT_LIMIT_PER_LOCATION: unlimited,
    HARK_PAGE_LIMIT_PER_IP: unlimited,
  };
  if (process.env.HARK_DB_POOL_MAX) harkEnv.HARK_DB_POOL_MAX = process.env.HARK_DB_POOL_MAX;
  // Hark's own reading of this environment decides its pool size; the baseline gets the same.
  const config = loadConfig({ ...harkEnv, PORT: '0' });
  const poolMax = config.dbPoolMax;

  // Hark's schema and job queue, and one client with one programme and location.
  log('migrating and creating the benchmark client…');
  const { services, database: handle } = await openServices(config, { supervise: false });
  const bench = await createBenchClient(services).finally(async () => {
    await services.jobs.stop();
    await handle.close();
  });

  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  pool.on('error', () => {});
  onCleanUp(() => pool.end());
  await pool.query(baselineTableSql);

  const secret = deriveSecret(Buffer.from(masterKey, 'base64'), 'form-token');
  const newToken = () => issueFormToken(secret, bench.location.id, null);
  const pathname = `/f/${bench.location.code}`;

  // Hark, as `hark serve` runs it (web and workers in one process), and the baseline.
  log(`starting Hark (src/main.ts serve) and the baseline (Fastify + pg), pool ${poolMax} each…`);
  // e.g. BENCH_HARK_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/hark-prof" profiles Hark under load.
  const harkNodeArgs = (process.env.BENCH_HARK_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const hark: Target = {
    server: await startServer('hark', 'src/main.ts', ['serve'], harkEnv, harkNodeArgs),
    countSql: 'select count(*)::int as n from feedback',
    slices: [],
    rowsBefore: 0,
  };
  const baseline: Target = {
    server: await startServer('baseline', 'bench/baseline-server.ts', [], {
      DATABASE_URL: database.url,
      BENCH_POOL_MAX: String(poolMax),
      BENCH_CLIENT_ID: bench.clientId,
      BENCH_LOCATION_ID: bench.location.id,
    }),
    countSql: 'select count(*)::int as n from baseline_feedback',
    slices: [],
    rowsBefore: 0,
  };

  for (const target of [hark, baseline]) {
    log(`${target.server.name}: warm-up ${options.warmup} s…`);
    await load(target.server, pathname, options.warmup, newToken, database.name);
  }
  for (const target of [hark, baseline]) target.rowsBefore = await settledCount(pool, target.countSql);
  // Never both under load at once. The run is cut into slices taken in turns, hark–baseline,
  // baseline–hark, …, so that a change in the machine's background load meanwhile falls on
  // both alike.
  const slice = options.duration / options.rounds;
  for (let round = 0; round < options.rounds; round++) {
    for (const target of round % 2 === 0 ? [hark, baseline] : [baseline, hark]) {
      log(`${target.server.name}: ${slice} s with ${options.connections} connections (round ${round + 1} of ${options.rounds})…`);
      target.slices.push(await load(target.server, pathname, slice, newToken, database.name));
    }
  }
  const harkResult = await summarise(hark, pool);
  const baseResult = await summarise(baseline, pool);
  {
    // Every 2xx answer's form is stored, once.
    const { rows } = await pool.query<{ n: number; contact: number }>(
      'select count(*)::int as n, count(end_customer_id)::int as contact from feedback where form_nonce = any($1::text[])',
      [harkResult.run.okNonces],
    );
    const stored = rows[0]?.n ?? 0;
    if (stored !== harkResult.run.ok) harkResult.problems.push(`${harkResult.run.ok} submissions were answered 2xx but ${stored} of their forms are stored`);
    else harkResult.notes.push(`every 2xx answer's form is stored; ${rows[0]?.contact ?? 0} of them with contact details (encrypted)`);
  }
  const results = [harkResult, baseResult];
  // Servers stopped and database dropped before the report, so that the ratio is the last line.
  await cleanUp();

  // --- Report (stdout; the last line is the ratio)
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out();
  out(
    `Hark ingest benchmark — POST /f/<location code>, ${options.connections} connections, ${options.duration} s per server ` +
      `in ${options.rounds} turn(s) after ${options.warmup} s warm-up`,
  );
  out(`PostgreSQL ${database.serverVersion} at ${new URL(adminUrl).host}; pool ${poolMax} connections for Hark (HARK_DB_POOL_MAX) and ${poolMax} for the baseline`);
  out(`Node ${process.version}, ${os.availableParallelism()} CPUs, load generator autocannon in this process; ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
  out();
  const table = [
    ['', 'submissions/s', 'p50 ms', 'p99 ms', '2xx', 'non-2xx', 'errors'],
    ...results.map((r) => [r.name, r.perSecond.toFixed(1), r.p50.toFixed(1), r.p99.toFixed(1), String(r.run.ok), String(r.run.non2xx), String(r.run.errors)]),
  ];
  for (const line of formatTable(table)) out(line);
  out();
  if (results.every((r) => r.run.cpu)) {
    const groups = ['server', 'postgres', 'load generator'];
    const cpuTable = [
      ['CPU ms per submission', 'server', 'postgres', 'load gen.', 'total', 'other processes'],
      ...results.map((r) => {
        const seconds = groups.map((g) => r.run.cpu?.seconds[g] ?? 0);
        const perOk = (s: number) => ((s * 1000) / Math.max(1, r.run.ok)).toFixed(2);
        return [r.name, ...seconds.map(perOk), perOk(seconds.reduce((a, b) => a + b, 0)), `${(r.run.cpu?.otherCpus ?? 0).toFixed(2)} CPUs`];
      }),
    ];
    for (const line of formatTable(cpuTable)) out(line);
    const busiest = Math.max(...results.map((r) => r.run.cpu?.otherCpus ?? 0));
    if (busiest > 0.25) {
      out(`!!! other processes kept ${busiest.toFixed(2)} of ${os.availableParallelism()} CPUs busy: the figures are not reliable; run again on a quiet machine`);
    }
    out();
  }
  for (const r of results) for (const note of r.notes) out(`${r.name}: ${note}`);
  let failed = false;
  for (const r of results) {
    for (const problem of r.problems) {
      failed = true;
      out(`!!! ${r.name.toUpperCase()}: ${problem}`);
    }
  }
  const ratio = baseResult.perSecond > 0 ? harkResult.perSecond / baseResult.perSecond : 0;
  out(`ratio ${ratio.toFixed(2)}`);
  return failed ? 1 : 0;
}

runMain(main);
