/**
 * npm run bench:portal — the portal's read path at scale, on PostgreSQL.
 *
 * Seeds one client with 1,000,000 responses across 50 locations (200 staff members, a
 * year of days, three channels) in a throw-away database on the server of DATABASE_URL,
 * starts Hark as a child process, signs in as the owner and times, over real HTTP:
 *   - the dashboard API (30 days, 1 year, one region for a year),
 *   - the inbox API (first page, a filtered page, a text search, a page 10,000 rows deep),
 * next to the same dashboard figures computed by a plain GROUP BY over the raw feedback
 * table. Prints p50/p95 of each and, as its last line, `speedup <raw p95 / dashboard p95>`
 * for the one-year dashboard (the same figures both ways). Goal: dashboard p95 < 100 ms
 * and speedup ≥ 10.
 *
 * Options: BENCH_RESPONSES (default 1000000), BENCH_SAMPLES (default 40).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { addMembership, createUser } from '../src/accounts/index.ts';
import { createClient } from '../src/clients/index.ts';
import { loadConfig } from '../src/config.ts';
import { asClientId, withClient } from '../src/db/tenancy.ts';
import { createLocation, createProgramme, createSubMeasure } from '../src/programmes/index.ts';
import { rebuildAllDailyRollups } from '../src/reports/index.ts';
import { openServices } from '../src/start.ts';
import { createBenchDatabase, liveChildren, log, onCleanUp, positiveNumber, runMain } from './support.ts';

const responses = positiveNumber('BENCH_RESPONSES', process.env.BENCH_RESPONSES, 1_000_000);
const samples = positiveNumber('BENCH_SAMPLES', process.env.BENCH_SAMPLES, 40);
const password = 'bench password for the owner';
const timezone = 'Pacific/Auckland';

const comments = [
  '', '', '', '',
  'Great coffee and friendly staff',
  'Waited far too long for my order',
  'Lovely flat white, will be back',
  'The table was sticky and nobody cleaned it',
  'Quick service even at the morning rush',
  'Music was too loud to talk',
  'Barista remembered my usual, love it',
  'Cold food and a long wait',
  'Prices have gone up a lot lately',
  'Clean, calm and the scones are excellent',
  'Staff seemed rushed and a bit rude',
  'Best coffee in town',
  'My order was wrong twice',
  'Nice spot to work from, good wifi',
];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

interface Timing {
  name: string;
  p50: number;
  p95: number;
  n: number;
}

async function time(name: string, runs: number, once: () => Promise<void>): Promise<Timing> {
  for (let i = 0; i < 3; i++) await once(); // warm caches and plans
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await once();
    ms.push(performance.now() - started);
  }
  const timing = { name, p50: percentile(ms, 50), p95: percentile(ms, 95), n: runs };
  log(`  ${name}: p50 ${timing.p50.toFixed(1)} ms, p95 ${timing.p95.toFixed(1)} ms`);
  return timing;
}

async function main(): Promise<number> {
  const database = await createBenchDatabase('hark_bench_portal');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hark-bench-portal-'));
  onCleanUp(() => rm(dataDir, { recursive: true, force: true }));
  const masterKey = randomBytes(32).toString('base64');
  const env = { DATABASE_URL: database.url, HARK_DATA_DIR: dataDir, HARK_MASTER_KEY: masterKey, HARK_LOG_LEVEL: 'silent' };
  log(`PostgreSQL ${database.serverVersion}, database ${database.name}; ${responses.toLocaleString('en')} responses`);

  // --- seed -------------------------------------------------------------------------------
  const { services, database: handle } = await openServices(loadConfig(env), { supervise: false });
  const seedStarted = performance.now();
  const client = await createClient(services.db, services.keyrings, { name: 'Bench Coffee Co', timezone });
  const clientId = asClientId(client.id);
  const programme = await createProgramme(services.db, clientId, {
    name: 'Feedback',
    scale: 'nps_10',
    leadQuestion: 'How likely are you to recommend us?',
    followUpQuestion: 'Why?',
  });
  const regions: string[] = [];
  for (let r = 0; r < 5; r++) {
    regions.push((await createLocation(services.db, clientId, { programmeId: programme.id, name: `Region ${r + 1}`, code: `bench-region-${r + 1}-${randomBytes(2).toString('hex')}` })).id);
  }
  const locationIds: string[] = [];
  const subMeasureIds: string[] = [];
  for (let l = 0; l < 50; l++) {
    const location = await createLocation(services.db, clientId, {
      programmeId: programme.id,
      name: `Store ${l + 1}`,
      code: `bench-store-${l + 1}-${randomBytes(2).toString('hex')}`,
      parentId: regions[l % 5] ?? null,
    });
    locationIds.push(location.id);
    for (let s = 0; s < 4; s++) subMeasureIds.push((await createSubMeasure(services.db, clientId, { locationId: location.id, name: `Staff ${l + 1}.${s + 1}`, code: `staff-${s + 1}` })).id);
  }
  const ownerId = await createUser(services.db, { email: 'owner@bench.example', name: 'Bench Owner', password });
  await addMembership(services.db, { clientId, userId: ownerId, role: 'owner' });

  // One INSERT … SELECT per chunk: each location has its own quality, staff their own
  // skill, so tables and rankings have something to sort.
  const chunk = 100_000;
  for (let start = 0; start < responses; start += chunk) {
    const end = Math.min(responses, start + chunk) - 1;
    await sql`
      insert into feedback (client_id, programme_id, location_id, sub_measure_id, channel, scale, score, comment, status, category, submitted_at)
      select ${clientId}::uuid, ${programme.id}::uuid,
        (${locationIds}::uuid[])[1 + g % 50],
        case when g % 5 = 0 then null else (${subMeasureIds}::uuid[])[1 + (g % 50) * 4 + (g / 50) % 4] end,
        (array['sms', 'web', 'qr'])[1 + (g / 7) % 3],
        'nps_10',
        least(10, greatest(0, round(7.6 + (g % 50) / 25.0 + ((g / 50) % 4) / 4.0 + (random() - 0.5) * 6)))::smallint,
        (${comments}::text[])[1 + ((g::bigint * 7919) % ${comments.length})::int],
        case when random() < 0.9 then 'resolved' else 'new' end,
        'general',
        now() - random() * interval '365 days'
      from generate_series(${start}::int, ${end}::int) g`.execute(services.db);
    log(`  seeded ${(end + 1).toLocaleString('en')} responses`);
  }
  await withClient(services.db, clientId, (trx) => rebuildAllDailyRollups(trx, clientId));
  await sql`analyze`.execute(services.db);
  const rollupRows = await services.db.selectFrom('feedback_daily_rollups').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  log(`seeded in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s; ${Number(rollupRows.n).toLocaleString('en')} rollup rows`);
  await services.jobs.stop();
  await services.mailer.close();
  await handle.close();

  // --- Hark as a child process ----------------------------------------------------------
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--role', 'web'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', HARK_LOGIN_LIMIT_PER_IP: '1000', HARK_PAGE_LIMIT_PER_IP: '100000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  onCleanUp(async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    liveChildren.delete(child);
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`Hark did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@bench.example', password }) });
  if (!login.ok) throw new Error(`sign-in failed: ${login.status} ${await login.text()}`);
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const get = async (pathname: string): Promise<unknown> => {
    const response = await fetch(`${base}${pathname}`, { headers: { cookie } });
    if (!response.ok) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
    return response.json();
  };

  // --- measure ----------------------------------------------------------------------------
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: timezone }).format(new Date());
  const yearAgo = new Intl.DateTimeFormat('en-CA', { timeZone: timezone }).format(new Date(Date.now() - 364 * 86_400_000));
  log('dashboard API (over HTTP, from the rollups):');
  const dashboard30 = await time('dashboard, 30 days', samples, async () => void (await get('/api/v1/dashboard')));
  const dashboardYear = await time('dashboard, 1 year', samples, async () => void (await get(`/api/v1/dashboard?from=${yearAgo}&to=${today}`)));
  const dashboardRegion = await time('dashboard, 1 region, 1 year', samples, async () => void (await get(`/api/v1/dashboard?from=${yearAgo}&to=${today}&locationId=${regions[0]}`)));

  log('inbox API (over HTTP):');
  const inboxFirst = await time('inbox, first page', samples, async () => void (await get('/api/v1/feedback')));
  const inboxLow = await time('inbox, score band low', samples, async () => void (await get('/api/v1/feedback?scoreBand=low')));
  const inboxSearch = await time('inbox, text search "long wait"', samples, async () => void (await get(`/api/v1/feedback?q=${encodeURIComponent('long wait')}`)));
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const body = (await get(`/api/v1/feedback?limit=100${cursor ? `&cursor=${cursor}` : ''}`)) as { nextCursor: string | null };
    cursor = body.nextCursor;
  }
  const deepCursor = cursor;
  const inboxDeep = await time('inbox, page 10,000 rows deep', samples, async () => void (await get(`/api/v1/feedback?cursor=${deepCursor}`)));

  log('the same one-year dashboard figures by a plain GROUP BY over raw feedback:');
  const raw = new pg.Pool({ connectionString: database.url, max: 1 });
  onCleanUp(() => raw.end());
  const rawYear = await time('raw GROUP BY, 1 year', Math.max(5, Math.round(samples / 4)), async () => {
    const client = await raw.connect();
    try {
      await client.query('begin');
      // The same session settings the dashboard uses, so the comparison is of the data read.
      await client.query("select set_config('work_mem', '64MB', true), set_config('jit', 'off', true)");
      await client.query(
        `select (f.submitted_at at time zone $2)::date as day, f.channel, f.location_id, f.sub_measure_id, f.score, count(*)::int as n
         from feedback f
         where f.client_id = $1 and f.submitted_at >= ($3::date)::timestamp at time zone $2 and f.submitted_at < ($4::date + 1)::timestamp at time zone $2
         group by 1, 2, 3, 4, 5`,
        [clientId, timezone, yearAgo, today],
      );
      await client.query('commit');
    } finally {
      client.release();
    }
  });

  const rows = [dashboard30, dashboardYear, dashboardRegion, inboxFirst, inboxLow, inboxSearch, inboxDeep, rawYear];
  console.log('');
  console.log(`| measurement (${responses.toLocaleString('en')} responses, 50 locations) | p50 ms | p95 ms | runs |`);
  console.log('|---|---:|---:|---:|');
  for (const row of rows) console.log(`| ${row.name} | ${row.p50.toFixed(1)} | ${row.p95.toFixed(1)} | ${row.n} |`);
  const slowest = Math.max(dashboard30.p95, dashboardYear.p95, dashboardRegion.p95);
  console.log('');
  console.log(`dashboard p95 (slowest of the three): ${slowest.toFixed(1)} ms (goal < 100 ms) — ${slowest < 100 ? 'met' : 'NOT met'}`);
  console.log(`speedup ${(rawYear.p95 / dashboardYear.p95).toFixed(1)}`);
  return 0;
}

runMain(main);
