/**
 * Website analytics ingestion benchmark: hits stored per second through Hark's real beacon
 * endpoint (POST /a/e, as the tracking script sends it), against a bare INSERT of equivalent
 * rows into the same table, on the same PostgreSQL, in the same run.
 *
 *   npm run bench:analytics [-- --connections 50 --duration 10 --warmup 2 --rounds 2]
 *
 * Hark runs as a child process (`hark serve`) on a fresh database made for the run and
 * dropped afterwards. The bare insert runs in this process: a pool of Hark's size, as many
 * concurrent callers as HTTP connections, one single-row INSERT (autocommit) per hit. The two
 * take turns, never at once. Results go to stdout; the last line is `ratio <hark/bare>`
 * (rows stored per second). See bench/README.md.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { agents, measureAnalyticsIngestion, ratePerSecond, startHarkChild } from './analytics-ingest.ts';
import { adminUrl, createBenchDatabase, formatTable, log, onCleanUp, positiveNumber, redact, runMain } from './support.ts';

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
  rounds: Math.round(positiveNumber('rounds (BENCH_ROUNDS)', flags.rounds ?? process.env.BENCH_ROUNDS, 2)),
};
const poolMax = Math.round(positiveNumber('HARK_DB_POOL_MAX', process.env.HARK_DB_POOL_MAX, 10));

async function main(): Promise<number> {
  const database = await createBenchDatabase('hark_bench_analytics');
  log(`database ${database.name} on ${redact(adminUrl)} (PostgreSQL ${database.serverVersion}); starting Hark…`);
  const url = await startHarkChild({ databaseUrl: database.url, poolMax });
  const pool = new pg.Pool({ connectionString: database.url, max: poolMax });
  onCleanUp(() => pool.end());

  const totals = await measureAnalyticsIngestion({ url, pool, ...options });
  const rate = ratePerSecond;
  console.log(
    `Hark analytics ingestion benchmark — POST /a/e (text/plain JSON beacons, ${agents.length} user agents, views and leaves), ${options.connections} connections, ${options.duration} s each in ${options.rounds} turn(s) after ${options.warmup} s warm-up`,
  );
  console.log(`PostgreSQL ${database.serverVersion}; pool ${poolMax} connections for Hark and for the bare insert; Node ${process.version}`);
  console.log('');
  for (const line of formatTable([
    ['', 'hits stored/s', '2xx answers', 'non-2xx', 'rows stored'],
    ['hark (HTTP beacon)', rate(totals.hark).toFixed(1), String(totals.hark.answered2xx), String(totals.hark.non2xx), String(totals.hark.stored)],
    ['bare INSERT', rate(totals.bare).toFixed(1), '-', '-', String(totals.bare.stored)],
  ]))
    console.log(line);
  console.log('');
  if (totals.hark.non2xx > 0) console.log(`!!! ${totals.hark.non2xx} beacons were not answered 2xx`);
  if (totals.hark.stored !== totals.hark.answered2xx) console.log(`note: ${totals.hark.stored} rows stored for ${totals.hark.answered2xx} 2xx answers (a beacon in flight when a turn stopped may be stored or not)`);
  console.log(`ratio ${totals.ratio.toFixed(2)}`);
  return totals.hark.non2xx > 0 ? 1 : 0;
}

runMain(main);
