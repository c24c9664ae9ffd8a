/**
 * Soak test: no feedback lost under faults.
 *
 *   npm run soak [-- --duration 60 --web-rate 20 --sms-rate 5 --request-timeout 10 --drain-timeout 120 --keep-logs]
 *
 * (or SOAK_DURATION, SOAK_WEB_RATE, SOAK_SMS_RATE, SOAK_REQUEST_TIMEOUT, SOAK_DRAIN_TIMEOUT,
 * SOAK_KEEP_LOGS=1; SOAK_PG_BIN_DIR names the folder of initdb and pg_ctl). See bench/README.md.
 *
 * Starts Hark on a PostgreSQL 15 cluster of its own (initdb in a temporary folder, a free
 * loopback port: the machine's shared server is never touched) with two web processes
 * (`hark serve --role web`) and two workers (`--role worker`), a local SMTP server for the
 * alerts and a local stand-in for Twilio's REST API for the texts Hark sends. For the
 * duration it submits feedback at a steady rate on the web feedback pages and by signed
 * SMS webhooks, retrying as a phone's browser (and Twilio) would, while it restarts
 * PostgreSQL once (`pg_ctl restart -m fast`, at a third of the run) and kills a worker with
 * SIGKILL twice (at a half and three quarters), starting a replacement each time.
 *
 * Then it waits for the queue to drain and checks: every acknowledged submission is stored
 * exactly once; every answer was a 200, or a 503 with Retry-After, never a 500 or a hang;
 * every rollup and text job completed, every alert went once; the rollups and the dashboard
 * (over HTTP, with an API key) equal a COUNT over the raw feedback rows; no Hark process
 * died unbidden. The last line printed is `acked N stored N duplicates 0 lost 0`; the exit
 * status is 1 on any failure. Progress goes to stderr, the report to stdout.
 *
 * Everything it started is stopped, and its folders removed, also on failure and on ^C.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startTestSmsGateway, type TestSmsGateway } from '../test/helpers/sms-gateway.ts';
import { startRecordingSmtpServer, type RecordingSmtpServer } from '../test/helpers/smtp-recorder.ts';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from '../test/helpers/twilio-signing.ts';
import { checkAlerts, checkCommentAnalyses, checkDashboard, checkJobs, checkRollups, checkStoredOnce, checkTexts, describeBacklog, queueBacklog, waitForDrain, type Finding } from './soak/checks.ts';
import { createPostgresCluster, defaultPostgresBinDir, freePort, type PostgresCluster } from './lib/postgres-cluster.ts';
import { HarkProcess, runHarkCommand, waitForHttpReady, type Env, type ExitRecord } from './soak/hark-processes.ts';
import { LoadClient, runAtRate, type Exchange } from './soak/load.ts';
import { ActivityMonitor } from './soak/monitor.ts';
import { createSoakBusiness } from './soak/setup.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a number above 0, not "${text}"`);
  return value;
}

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', short: 'd' },
    'web-rate': { type: 'string' },
    'sms-rate': { type: 'string' },
    'request-timeout': { type: 'string' },
    'drain-timeout': { type: 'string' },
    'keep-logs': { type: 'boolean' },
  },
  allowPositionals: false,
});

const options = {
  durationS: positive('--duration (SOAK_DURATION)', flags.duration ?? process.env.SOAK_DURATION, 60),
  webRate: positive('--web-rate (SOAK_WEB_RATE)', flags['web-rate'] ?? process.env.SOAK_WEB_RATE, 20),
  smsRate: positive('--sms-rate (SOAK_SMS_RATE)', flags['sms-rate'] ?? process.env.SOAK_SMS_RATE, 5),
  requestTimeoutS: positive('--request-timeout (SOAK_REQUEST_TIMEOUT)', flags['request-timeout'] ?? process.env.SOAK_REQUEST_TIMEOUT, 10),
  drainTimeoutS: positive('--drain-timeout (SOAK_DRAIN_TIMEOUT)', flags['drain-timeout'] ?? process.env.SOAK_DRAIN_TIMEOUT, 120),
  keepLogs: flags['keep-logs'] ?? process.env.SOAK_KEEP_LOGS === '1',
  pgBinDir: process.env.SOAK_PG_BIN_DIR ?? defaultPostgresBinDir,
};

// ---------------------------------------------------------------------------------------
// Clean-up: undone in reverse order, also on failure and on ^C.

const cleanups: Array<() => Promise<unknown>> = [];
const processes: HarkProcess[] = [];

async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()?.();
    } catch (error) {
      log(`clean-up step failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

process.on('exit', () => {
  for (const hark of processes) if (hark.running) hark.child.kill('SIGKILL');
});
let interrupted = false;
let interruptedAt = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // ^C reaches this process twice (from the terminal, and relayed by tsx): only a signal
    // well after the first means "exit now" (the cluster is still stopped, at exit).
    if (interrupted) {
      if (Date.now() - interruptedAt > 2000) process.exit(130);
      return;
    }
    interrupted = true;
    interruptedAt = Date.now();
    log(`\n${signal}: stopping Hark and removing the cluster…`);
    void cleanUp().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------

interface FaultRecord {
  restart: { startedAt: number; endedAt: number } | null;
  kills: { name: string; at: number; replacement: string; readyAfterMs: number | null; activeJobs: number | null }[];
}

async function countActiveJobs(pool: pg.Pool): Promise<number | null> {
  try {
    const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from pgboss.job where state = 'active'`);
    return rows[0]?.n ?? 0;
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const runId = String(randomInt(100_000, 1_000_000));
  const runDir = await mkdtemp(path.join(os.tmpdir(), 'hark-soak-'));
  cleanups.push(async () => {
    if (options.keepLogs) log(`process logs kept in ${runDir}`);
    else await rm(runDir, { recursive: true, force: true });
  });
  const durationMs = options.durationS * 1000;
  log(`soak ${runId}: ${options.durationS} s at ${options.webRate} web + ${options.smsRate} SMS submissions/s; process logs in ${runDir}`);

  log('creating a PostgreSQL cluster of its own (initdb)…');
  const cluster: PostgresCluster = await createPostgresCluster({ binDir: options.pgBinDir });
  cleanups.push(() => cluster.destroy());
  const admin = new pg.Client({ connectionString: cluster.url() });
  await admin.connect();
  const version = (await admin.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]?.v ?? '?';
  await admin.query('create database hark_soak');
  await admin.end();
  const databaseUrl = cluster.url('hark_soak');

  const smtp: RecordingSmtpServer = await startRecordingSmtpServer();
  cleanups.push(() => smtp.close());
  const gateway: TestSmsGateway = await startTestSmsGateway({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
  cleanups.push(() => gateway.close());

  const webPorts = [await freePort(), await freePort()];
  const webUrls = webPorts.map((port) => `http://127.0.0.1:${port}`);
  const publicUrl = webUrls[0] as string;
  const mailDomain = 'soak.hark.test';
  const keyStoreDir = path.join(runDir, 'keys');
  const common: Env = {
    DATABASE_URL: databaseUrl,
    HARK_MASTER_KEY: randomBytes(32).toString('base64'),
    // Every process reads the clients' data keys from one key store, as on shared storage.
    HARK_KEY_STORE_DIR: keyStoreDir,
    HARK_PUBLIC_URL: publicUrl,
    HOST: '127.0.0.1',
    HARK_LOG_LEVEL: 'warn',
    HARK_DB_POOL_MAX: '5',
    // One client sends everything from one address: the per-IP and per-location limits are
    // for abuse, not for a load test.
    HARK_SUBMIT_LIMIT_PER_IP: '1000000000',
    HARK_SUBMIT_LIMIT_PER_LOCATION: '1000000000',
    HARK_PAGE_LIMIT_PER_IP: '1000000000',
    HARK_SMS_LIMIT_PER_IP: '1000000000',
    HARK_SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
    TWILIO_API_BASE_URL: gateway.url,
    SMTP_URL: smtp.url,
    HARK_MAIL_FROM: `Hark <alerts@${mailDomain}>`,
    HARK_ALERT_POLL_SECONDS: '1',
    HARK_ROLLUP_POLL_SECONDS: '1',
    HARK_JOB_POLL_SECONDS: '1',
    HARK_BACKUP_INTERVAL_HOURS: '0',
  };
  const envOf = (name: string, extra: Env = {}): Env => ({ ...common, HARK_DATA_DIR: path.join(runDir, name), ...extra });

  log(`PostgreSQL ${version} on 127.0.0.1:${cluster.port}; hark migrate…`);
  await runHarkCommand('migrate', ['migrate'], envOf('migrate'), path.join(runDir, 'migrate.log'));
  const business = await createSoakBusiness(envOf('setup'));

  const start = (name: string, role: 'web' | 'worker', extra: Env = {}) => {
    const hark = new HarkProcess(name, ['serve', '--role', role], envOf(name, extra), path.join(runDir, `${name}.log`));
    processes.push(hark);
    return hark;
  };
  cleanups.push(async () => {
    await Promise.all(processes.map((p) => p.stop()));
  });
  const webs = webPorts.map((port, i) => start(`web-${i + 1}`, 'web', { PORT: String(port) }));
  let workerCount = 0;
  const startWorker = () => start(`worker-${++workerCount}`, 'worker');
  const workers = [startWorker(), startWorker()];
  await Promise.all([
    ...webs.map((web, i) => waitForHttpReady(web, `${webUrls[i]}/readyz`, 90_000)),
    ...workers.map((worker) => worker.waitForOutput(/Hark worker is running\./, 90_000)),
  ]);
  log(`running: ${processes.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}`);

  // The soak's own view of the database, for the fault log and the checks.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 3 });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  cleanups.push(() => pool.end());

  // ---- load and faults --------------------------------------------------------------
  const loadStartedAt = Date.now();
  const giveUpAfterMs = 60_000;
  const load = new LoadClient({
    webUrls,
    publicUrl,
    twilioAuthToken: TEST_AUTH_TOKEN,
    twilioAccountSid: TEST_ACCOUNT_SID,
    business,
    runId,
    requestTimeoutMs: options.requestTimeoutS * 1000,
    giveUpAt: () => loadStartedAt + durationMs + giveUpAfterMs,
  });
  const faults: FaultRecord = { restart: null, kills: [] };
  const monitor = new ActivityMonitor(pool, loadStartedAt);
  monitor.start();
  cleanups.push(async () => monitor.stop());
  const at = (fraction: number) => sleep(Math.max(0, loadStartedAt + durationMs * fraction - Date.now()));
  const faultPlan = (async () => {
    await at(1 / 3);
    log(`${seconds(Date.now() - loadStartedAt)}: pg_ctl restart -m fast`);
    const startedAt = Date.now();
    await cluster.restart();
    faults.restart = { startedAt, endedAt: Date.now() };
    log(`${seconds(Date.now() - loadStartedAt)}: PostgreSQL is back after ${seconds(Date.now() - startedAt)}`);
    for (const fraction of [1 / 2, 3 / 4]) {
      await at(fraction);
      const victim = workers.shift() as HarkProcess;
      const activeJobs = await countActiveJobs(pool);
      const killedAt = Date.now();
      await victim.kill();
      const replacement = startWorker();
      workers.push(replacement);
      log(`${seconds(killedAt - loadStartedAt)}: SIGKILL ${victim.name} (${activeJobs ?? '?'} job(s) active in the queue); starting ${replacement.name}`);
      const kill = { name: victim.name, at: killedAt, replacement: replacement.name, readyAfterMs: null as number | null, activeJobs };
      faults.kills.push(kill);
      void replacement.waitForOutput(/Hark worker is running\./, 90_000).then(
        () => (kill.readyAfterMs = Date.now() - killedAt),
        (error: unknown) => load.record.fail(`${replacement.name} did not start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`),
      );
    }
  })();
  const stopped = () => interrupted;
  const [webCount, smsCount] = await Promise.all([
    runAtRate(options.webRate, durationMs, (i) => load.submitOnWeb(i), stopped),
    runAtRate(options.smsRate, durationMs, (i) => load.submitBySms(i), stopped),
    faultPlan,
  ]);
  const loadEndedAt = Date.now();
  monitor.stop();
  if (options.keepLogs) {
    const answers = load.record.exchanges.map((e) => JSON.stringify({ ...e, at: e.at - loadStartedAt }));
    await writeFile(path.join(runDir, 'answers.jsonl'), `${answers.join('\n')}\n`);
    await writeFile(path.join(runDir, 'activity.jsonl'), `${monitor.samples.map((s) => JSON.stringify(s)).join('\n')}\n`);
  }
  log(`${seconds(loadEndedAt - loadStartedAt)}: load over (${webCount} web and ${smsCount} SMS submissions); waiting for the queue to drain…`);

  // ---- checks -----------------------------------------------------------------------
  const drain = await waitForDrain(pool, business.clientId, options.drainTimeoutS * 1000);
  const findings: Finding[] = [];
  findings.push({
    ok: drain.afterMs !== null,
    line: drain.afterMs !== null ? `queue drained ${seconds(drain.afterMs)} after the last answer` : `queue not drained within ${options.drainTimeoutS} s: ${describeBacklog(drain.left)}`,
  });
  const stored = await checkStoredOnce(pool, business, runId, load.record.submissions);
  findings.push(...stored.findings);
  findings.push(...(await checkJobs(pool)));
  const context = { loadStartedAt, killTimes: faults.kills.map((k) => k.at) };
  findings.push(...(await checkAlerts(pool, business, smtp.messages, mailDomain, context)));
  findings.push(...(await checkTexts(pool, business, load.record.submissions, gateway.messages, context)));
  findings.push(...(await checkRollups(pool, business)));
  findings.push(...(await checkCommentAnalyses(pool, business)));
  findings.push(...(await checkDashboard(pool, business, webUrls[1] as string)));

  const unbidden: ExitRecord[] = processes.flatMap((p) => (p.exit && !p.exit.expected ? [p.exit] : []));
  findings.push({
    ok: unbidden.length === 0,
    line: unbidden.length === 0 ? 'processes: none exited unbidden' : `processes that died unbidden: ${unbidden.map((e) => `${e.name} (${e.signal ?? `exit code ${e.code}`} at ${seconds(e.at - loadStartedAt)})`).join(', ')}`,
  });
  for (const exit of unbidden) {
    const hark = processes.find((p) => p.name === exit.name);
    log(`--- last output of ${exit.name} ---\n${hark?.tail.slice(-4000) ?? ''}`);
  }

  // ---- report -----------------------------------------------------------------------
  const exchanges = load.record.exchanges;
  const unavailable = exchanges.filter((e) => e.outcome === 503);
  const badAnswers = exchanges.filter((e) => e.outcome !== 200 && e.outcome !== 503);
  findings.push({
    ok: badAnswers.length === 0 && load.record.failures.length === 0,
    line:
      badAnswers.length === 0 && load.record.failures.length === 0
        ? 'answers: every one a 200, or a 503 with Retry-After; no 500, no connection error, no hang'
        : `answers: ${badAnswers.length} neither 200 nor 503; ${load.record.failures.length} problem(s):\n    ${load.record.failures.slice(0, 15).join('\n    ')}`,
  });

  const lines: string[] = [];
  lines.push(
    `Hark soak ${runId}: 2 web + 2 worker processes, PostgreSQL ${version} (a cluster of its own), ${options.durationS} s at ${options.webRate} web + ${options.smsRate} SMS submissions/s`,
  );
  const relative = (ms: number) => `${seconds(ms - loadStartedAt)}`;
  if (faults.restart) lines.push(`fault: pg_ctl restart -m fast at ${relative(faults.restart.startedAt)}; PostgreSQL answered again after ${seconds(faults.restart.endedAt - faults.restart.startedAt)}`);
  for (const kill of faults.kills) {
    lines.push(
      `fault: SIGKILL ${kill.name} at ${relative(kill.at)} (${kill.activeJobs ?? '?'} job(s) active in the queue then); ${kill.replacement} ready ${kill.readyAfterMs === null ? 'never' : `after ${seconds(kill.readyAfterMs)}`}`,
    );
  }
  lines.push('', ...answerTable(exchanges), '');
  if (unavailable.length > 0) {
    const first = Math.min(...unavailable.map((e) => e.at));
    const last = Math.max(...unavailable.map((e) => e.at));
    const withRetryAfter = unavailable.filter((e) => /^\d+$/.test(e.retryAfter ?? '')).length;
    lines.push(`503s: ${unavailable.length} (${withRetryAfter} with Retry-After), answered from ${relative(first)} to ${relative(last)}: ${seconds(last - first)}`);
  } else {
    lines.push('503s: none');
  }
  if (faults.restart) {
    const back = faults.restart.endedAt;
    const recoveries = webUrls.map((_, web) => exchanges.find((e) => e.web === web && e.what !== 'web form' && e.outcome === 200 && e.at >= back)?.at ?? null);
    lines.push(
      `recovery: first acknowledged submission after PostgreSQL was back: ${recoveries.map((r, i) => `web-${i + 1} ${r === null ? 'never' : `+${seconds(r - back)}`}`).join(', ')}`,
    );
    const slowest = Math.max(...load.record.submissions.filter((s) => s.ackedAt !== null).map((s) => (s.ackedAt as number) - s.startedAt));
    lines.push(`slowest acknowledgement (first request to thank-you, retries included): ${seconds(slowest)}`);
  }
  lines.push(monitor.summary(), '');
  for (const finding of findings) lines.push(`${finding.ok ? 'ok  ' : 'FAIL'} ${finding.line}`);
  const { acked, stored: storedRows, duplicates, lost } = stored.counts;
  lines.push(`acked ${acked} stored ${storedRows} duplicates ${duplicates} lost ${lost}`);
  process.stdout.write(`${lines.join('\n')}\n`);

  const failed = findings.some((f) => !f.ok) || acked !== storedRows;
  if (failed) {
    try {
      log(`left in the queue: ${describeBacklog(await queueBacklog(pool, business.clientId))}`);
    } catch {
      // the report above says enough
    }
  }
  return failed ? 1 : 0;
}

function answerTable(exchanges: Exchange[]): string[] {
  const kinds: Exchange['what'][] = ['web form', 'web send', 'sms'];
  const columns: { title: string; match: (e: Exchange) => boolean }[] = [
    { title: '200', match: (e) => e.outcome === 200 },
    { title: '503', match: (e) => e.outcome === 503 },
    { title: 'other HTTP', match: (e) => typeof e.outcome === 'number' && e.outcome !== 200 && e.outcome !== 503 },
    { title: 'conn. error', match: (e) => e.outcome === 'connection error' },
    { title: 'timeout', match: (e) => e.outcome === 'timeout' },
  ];
  const rows = [
    ['answers', ...columns.map((c) => c.title)],
    ...kinds.map((kind) => [kind, ...columns.map((c) => String(exchanges.filter((e) => e.what === kind && c.match(e)).length))]),
  ];
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('   '));
}

main().then(
  async (code) => {
    await cleanUp();
    process.exit(code);
  },
  async (error: unknown) => {
    log(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await cleanUp();
    process.exit(1);
  },
);
