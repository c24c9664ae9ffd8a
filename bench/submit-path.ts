/**
 * Where a submission's cost goes, without HTTP: Hark's submit path taken apart step by step
 * and run in this process by many concurrent callers over a pool of Hark's size, each step
 * with what the step before it did plus one thing more. For each: operations per second, and
 * CPU per operation in this Node process (driver, Kysely, crypto) and in PostgreSQL.
 *
 *   npx tsx bench/submit-path.ts [-- --concurrency 50 --duration 5]
 *
 * Same database rules as bench/ingest.ts: a fresh database on the server of DATABASE_URL,
 * dropped afterwards. See bench/README.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { withClient } from '../src/db/tenancy.ts';
import { submitFeedback } from '../src/feedback/submit-feedback.ts';
import type { ValidSubmission } from '../src/feedback/schemas.ts';
import { findFeedbackTarget } from '../src/programmes/index.ts';
import { enqueueRollupUpdate, localDay } from '../src/reports/index.ts';
import { openServices } from '../src/start.ts';
import {
  baselineTableSql,
  cleanUp,
  cpuSnapshot,
  cpuUse,
  createBenchClient,
  createBenchDatabase,
  formatTable,
  log,
  onCleanUp,
  positiveNumber,
  runMain,
} from './support.ts';

const { values: flags } = parseArgs({
  options: { concurrency: { type: 'string', short: 'c' }, duration: { type: 'string', short: 'd' } },
  allowPositionals: false,
});
const concurrency = Math.round(positiveNumber('concurrency (BENCH_CONNECTIONS)', flags.concurrency ?? process.env.BENCH_CONNECTIONS, 50));
const duration = positiveNumber('duration', flags.duration, 5);

async function main(): Promise<number> {
  const database = await createBenchDatabase('hark_bench');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hark-bench-'));
  onCleanUp(() => rm(dataDir, { recursive: true, force: true }));
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    HARK_DATA_DIR: dataDir,
    HARK_MASTER_KEY: randomBytes(32).toString('base64'),
    HARK_LOG_LEVEL: 'silent',
  };
  if (process.env.HARK_DB_POOL_MAX) env.HARK_DB_POOL_MAX = process.env.HARK_DB_POOL_MAX;
  const config = loadConfig(env);
  const { services, database: handle } = await openServices(config, { supervise: false });
  onCleanUp(() => handle.close());
  onCleanUp(() => services.jobs.stop());
  const bench = await createBenchClient(services);
  await handle.pool.query(baselineTableSql);
  const lookup = await findFeedbackTarget(services.db, bench.location.code);
  if (!lookup.ok) throw new Error('the benchmark location was not found');
  const target = lookup.target;
  const { clientId } = bench;
  const comment = 'Coffee was good but the wait was a bit long';
  const day = localDay(new Date(), target.clientTimezone);
  const nonce = () => randomBytes(16).toString('base64url');
  const submission = (email: string | null): ValidSubmission => ({
    score: 4,
    comment,
    receiptCode: null,
    contact: { name: null, email, mobile: null },
    contactRequested: false,
    prizeDraw: false,
  });
  const feedbackRow = () => ({
    client_id: clientId,
    id: randomUUID(),
    programme_id: bench.programmeId,
    location_id: bench.location.id,
    sub_measure_id: null,
    channel: 'web' as const,
    scale: 'recommend_5' as const,
    score: 4,
    comment,
    receipt_code: null,
    end_customer_id: null,
    contact_requested: false,
    form_nonce: nonce(),
  });

  const steps: Array<[string, string, () => Promise<unknown>]> = [
    [
      'baseline: one insert, autocommit (pg)',
      '1',
      () =>
        handle.pool.query('insert into baseline_feedback (id, client_id, location_id, score, comment) values ($1, $2, $3, $4, $5)', [
          randomUUID(),
          clientId,
          bench.location.id,
          4,
          comment,
        ]),
    ],
    ['tenant transaction, empty (begin, set_config, commit)', '3', () => withClient(services.db, clientId, async () => {})],
    [
      '+ insert the feedback row (Kysely)',
      '4',
      () => withClient(services.db, clientId, (trx) => trx.insertInto('feedback').values(feedbackRow()).execute()),
    ],
    [
      '+ enqueue the rollup job (pg-boss)',
      '5',
      () =>
        withClient(services.db, clientId, async (trx) => {
          await trx.insertInto('feedback').values(feedbackRow()).execute();
          await enqueueRollupUpdate(services.jobs, trx, { clientId, locationId: bench.location.id, day });
        }),
    ],
    ['submitFeedback, no contact details', '5', () => submitFeedback(services, target, submission(null), 'web', nonce())],
    [
      'submitFeedback, with an email (encrypted)',
      '7',
      () => submitFeedback(services, target, submission(`mia.${Math.floor(Math.random() * 20_000)}@example.com`), 'web', nonce()),
    ],
  ];

  const own = new Map([[process.pid, 'node']]);
  const rows: string[][] = [['step', 'round trips', 'ops/s', 'node CPU ms/op', 'postgres CPU ms/op', 'other processes']];
  let busiest = 0;
  for (const [label, roundTrips, step] of steps) {
    log(`${label}…`);
    const loop = async (until: number) => {
      let n = 0;
      while (Date.now() < until) {
        await step();
        n += 1;
      }
      return n;
    };
    const warm = Date.now() + 1000;
    await Promise.all(Array.from({ length: concurrency }, () => loop(warm)));
    const before = await cpuSnapshot(own, database.name);
    const started = performance.now();
    const end = Date.now() + duration * 1000;
    const ops = (await Promise.all(Array.from({ length: concurrency }, () => loop(end)))).reduce((a, b) => a + b, 0);
    const wall = (performance.now() - started) / 1000;
    const cpu = cpuUse(before, await cpuSnapshot(own, database.name), wall);
    const perOp = (seconds: number | undefined) => (cpu ? ((seconds ?? 0) * 1000) / ops : Number.NaN).toFixed(3);
    busiest = Math.max(busiest, cpu?.otherCpus ?? 0);
    rows.push([label, roundTrips, (ops / wall).toFixed(0), perOp(cpu?.seconds.node), perOp(cpu?.seconds.postgres), `${(cpu?.otherCpus ?? 0).toFixed(2)} CPUs`]);
  }
  await cleanUp();

  const out = (line = '') => process.stdout.write(`${line}\n`);
  out();
  out(`Hark submit path without HTTP — ${concurrency} concurrent callers, pool ${config.dbPoolMax}, ${duration} s per step, PostgreSQL ${database.serverVersion}, Node ${process.version}, ${os.availableParallelism()} CPUs`);
  out();
  for (const line of formatTable(rows)) out(line);
  if (busiest > 0.25) out(`!!! other processes kept up to ${busiest.toFixed(2)} CPUs busy: the figures are not reliable; run again on a quiet machine`);
  return 0;
}

runMain(main);
