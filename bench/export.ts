/**
 * Export benchmark: the termination export of a client with N feedback rows, each with an
 * end customer whose contact details are encrypted, on PostgreSQL; rows per second and the
 * export process's peak RSS, for N/10 and N rows (default 100,000 and 1,000,000).
 *
 *   npm run bench:export [-- --rows 1000000 --batch 2000]
 *
 * A fresh database is made on the server named by DATABASE_URL (default
 * postgres://postgres:postgres@127.0.0.1:5432/postgres) and dropped afterwards. Seeding is
 * bulk SQL (generate_series): a pool of 1,000 distinct contacts is encrypted with the
 * client's real keyring and the ciphertexts reused, so every row decrypts as a real one.
 * Each export runs in a child process of its own, so its peak RSS (getrusage maxRSS, and
 * process.memoryUsage().rss sampled every batch) is the export's alone. The zip is written
 * to a temporary file and removed. The last line is `peak_rss_mb <n>` (the larger run's).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import type { Db } from '../src/db/connect.ts';
import { openDatabase } from '../src/db/connect.ts';
import { asClientId, withClient, type ClientId } from '../src/db/tenancy.ts';
import { currentSchemaVersion, writeExport } from '../src/exports/write-export.ts';
import { DirectoryKeyStore, KeyringCache } from '../src/keys/index.ts';

const self = fileURLToPath(import.meta.url);
const POOL = 1000;

interface ChildResult {
  rows: number;
  seconds: number;
  bytes: number;
  maxRssMb: number;
  sampledPeakRssMb: number;
}

/** In the child: export one client to a temp file, report figures as one JSON line. */
async function runChild(): Promise<number> {
  const url = process.env.BENCH_DATABASE_URL ?? '';
  const clientId = asClientId(process.env.BENCH_CLIENT_ID ?? '');
  const keyrings = new KeyringCache(Buffer.from(process.env.BENCH_MASTER_KEY ?? '', 'base64'), new DirectoryKeyStore(process.env.BENCH_KEY_DIR ?? ''));
  const batchSize = Number(process.env.BENCH_BATCH ?? 2000);
  const database = await openDatabase({ databaseUrl: url, poolMax: 2 });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hark-bench-export-'));
  try {
    let peak = process.memoryUsage().rss;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    const timer = setInterval(sample, 50);
    const keyring = await withClient(database.db, clientId, (trx) => keyrings.keyringFor(trx, clientId));
    const started = process.hrtime.bigint();
    const file = path.join(dir, 'export.zip');
    const written = await writeExport({
      db: database.db,
      clientId,
      clientName: 'Bench',
      keyring,
      scope: null,
      schemaVersion: await currentSchemaVersion(database.db),
      destination: createWriteStream(file),
      batchSize,
      onBatch: sample,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(timer);
    sample();
    const result: ChildResult = {
      rows: written.manifest.totalRows,
      seconds,
      bytes: (await stat(file)).size,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      sampledPeakRssMb: peak / 1024 / 1024,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } finally {
    await rm(dir, { recursive: true, force: true });
    await database.close();
  }
}

function exportInChild(env: Record<string, string>): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', self, '--child'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`export child exited ${code}: ${out}`));
      else resolve(JSON.parse(line) as ChildResult);
    });
  });
}

/** A client with `rows` feedback, each with its own end customer (name, email, mobile encrypted) and a consent. */
async function seedClient(db: Db, keyrings: KeyringCache, name: string, rows: number): Promise<ClientId> {
  // Loaded here, not at the top: the export child should carry only what an export needs.
  const { createClient } = await import('../src/clients/index.ts');
  const { createLocation, createProgramme } = await import('../src/programmes/index.ts');
  const { log } = await import('./support.ts');
  const client = await createClient(db, keyrings, { name });
  const clientId = asClientId(client.id);
  const programme = await createProgramme(db, clientId, { name: 'Feedback', scale: 'recommend_5', leadQuestion: 'How likely are you to recommend us?', followUpQuestion: 'Why?' });
  const location = await createLocation(db, clientId, { programmeId: programme.id, name: 'Main Street', code: `bench-${randomBytes(3).toString('hex')}` });
  const keyring = await withClient(db, clientId, (trx) => keyrings.keyringFor(trx, clientId));
  const pool = Array.from({ length: POOL }, (_, i) => ({
    i,
    name: keyring.encrypt('name', `Customer ${i}`),
    email: keyring.encrypt('email', `customer${i}@example.com`),
    mobile: keyring.encrypt('mobile', `+6421${String(5550000 + i)}`),
  }));
  await db.connection().execute(async (conn) => {
    await sql`create temporary table if not exists bench_pool (i int primary key, name_enc bytea, email_enc bytea, mobile_enc bytea)`.execute(conn);
    await sql`truncate bench_pool`.execute(conn);
    await sql`insert into bench_pool select * from unnest(${pool.map((p) => p.i)}::int[], ${pool.map((p) => p.name)}::bytea[], ${pool.map((p) => p.email)}::bytea[], ${pool.map((p) => p.mobile)}::bytea[])`.execute(conn);
    const chunk = 250_000;
    for (let start = 0; start < rows; start += chunk) {
      const end = Math.min(rows, start + chunk);
      await sql`
        with people as (
          insert into end_customers (client_id, id, name_enc, email_enc, mobile_enc, created_at)
          select ${clientId}::uuid, gen_random_uuid(), p.name_enc, p.email_enc, p.mobile_enc, now() - (g % 365) * interval '1 day'
          from generate_series(${start}::int, ${end - 1}::int) g join bench_pool p on p.i = g % ${POOL}
          returning id, created_at
        ), given as (
          insert into feedback (client_id, id, programme_id, location_id, channel, scale, score, comment, end_customer_id, contact_requested, submitted_at)
          select ${clientId}::uuid, gen_random_uuid(), ${programme.id}::uuid, ${location.id}::uuid, 'web', 'recommend_5', 1 + (abs(hashtext(id::text)) % 5),
                 'The coffee was good, the queue "long", service friendly', id, true, created_at
          from people
          returning id, end_customer_id, submitted_at
        )
        insert into consents (client_id, end_customer_id, feedback_id, kind, given_at)
        select ${clientId}::uuid, end_customer_id, id, 'contact', submitted_at from given`.execute(conn);
      log(`  ${name}: ${end} of ${rows} feedback seeded`);
    }
  });
  await sql`analyze`.execute(db);
  return clientId;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, batch: { type: 'string' } } });
  const { createBenchDatabase, log, onCleanUp, positiveNumber, redact } = await import('./support.ts');
  const { migrateToLatest } = await import('../src/db/migrate.ts');
  const rows = Math.round(positiveNumber('--rows', values.rows, 1_000_000));
  const batch = Math.round(positiveNumber('--batch', values.batch, 2000));
  const small = Math.max(1, Math.round(rows / 10));
  const database = await createBenchDatabase('hark_bench_export');
  log(`PostgreSQL ${database.serverVersion} at ${redact(database.url)}`);
  const masterKey = randomBytes(32);
  const keyDir = await mkdtemp(path.join(os.tmpdir(), 'hark-bench-keys-'));
  onCleanUp(() => rm(keyDir, { recursive: true, force: true }));
  const handle = await openDatabase({ databaseUrl: database.url, poolMax: 2 });
  onCleanUp(() => handle.close());
  await migrateToLatest(handle.db);
  const keyrings = new KeyringCache(masterKey, new DirectoryKeyStore(keyDir));
  const seedStarted = Date.now();
  const clients: [number, ClientId][] = [
    [small, await seedClient(handle.db, keyrings, 'Bench small', small)],
    [rows, await seedClient(handle.db, keyrings, 'Bench large', rows)],
  ];
  log(`seeded ${small + rows} feedback in ${((Date.now() - seedStarted) / 1000).toFixed(0)} s`);

  const results: [number, ChildResult][] = [];
  for (const [feedback, clientId] of clients) {
    log(`exporting the client with ${feedback} feedback…`);
    const result = await exportInChild({
      BENCH_DATABASE_URL: database.url,
      BENCH_CLIENT_ID: clientId,
      BENCH_MASTER_KEY: masterKey.toString('base64'),
      BENCH_KEY_DIR: keyDir,
      BENCH_BATCH: String(batch),
    });
    results.push([feedback, result]);
  }
  console.log('feedback  rows exported  seconds  rows/s   zip MB  peak RSS MB (maxRSS / sampled)');
  for (const [feedback, r] of results) {
    console.log(
      `${String(feedback).padStart(8)}  ${String(r.rows).padStart(13)}  ${r.seconds.toFixed(1).padStart(7)}  ${Math.round(r.rows / r.seconds).toString().padStart(7)}  ${(r.bytes / 1e6).toFixed(1).padStart(6)}  ${r.maxRssMb.toFixed(0)} / ${r.sampledPeakRssMb.toFixed(0)}`,
    );
  }
  const [first, last] = [results[0]?.[1], results.at(-1)?.[1]];
  if (first && last) console.log(`peak RSS growth from the small run to the large: ${(last.maxRssMb - first.maxRssMb).toFixed(0)} MB`);
  console.log(`peak_rss_mb ${Math.round(last?.maxRssMb ?? 0)}`);
  return 0;
}

if (process.argv.includes('--child')) {
  runChild().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`export failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
} else {
  void import('./support.ts').then(({ runMain }) => runMain(main));
}
