/**
 * Website analytics ingestion, measured: hits stored per second through Hark's real beacon
 * endpoint (POST /a/e, as the tracking script sends it) against a bare INSERT of equivalent
 * rows into the same table, taking turns on the same PostgreSQL. Shared by
 * `bench/analytics.ts` (on a database of its own) and `bench/insights.ts` (on the insights
 * benchmark's seeded database).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type pg from 'pg';
import { liveChildren, log, onCleanUp, sleep } from './support.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const agents = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
];
const pages = ['/', '/pricing', '/contact', '/privacy'];

/** The beacons of a visit: views with and without UTM tags and referrers, and leaves. */
function beaconBodies(): string[] {
  const bodies: string[] = [];
  for (const p of pages) {
    bodies.push(JSON.stringify({ k: 'view', p, q: '', r: '', w: 1440, h: 900 }));
    bodies.push(JSON.stringify({ k: 'view', p, q: '?utm_source=newsletter&utm_medium=email&utm_campaign=june', r: '', w: 390, h: 844 }));
    bodies.push(JSON.stringify({ k: 'view', p, q: '', r: 'https://www.example.org/a/post', w: 1920, h: 1080 }));
    bodies.push(JSON.stringify({ k: 'leave', p, q: '', r: '', w: 1440, h: 900, d: 35_000 }));
  }
  return bodies;
}

export async function freePort(): Promise<number> {
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

export interface HarkChildOptions {
  databaseUrl: string;
  poolMax: number;
  /** Arguments after `serve` (e.g. `--role web`). */
  args?: string[];
  /** More environment (a master key and data folder matching the database's clients, say). */
  env?: Record<string, string>;
}

/** `hark serve` as a child process with the per-IP beacon limit out of the way; resolves to its URL once /healthz answers. */
export async function startHarkChild(options: HarkChildOptions): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', ...(options.args ?? [])], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      HARK_MASTER_KEY: randomBytes(32).toString('base64'),
      HARK_LOG_LEVEL: 'warn',
      HARK_DB_POOL_MAX: String(options.poolMax),
      HARK_ANALYTICS_LIMIT_PER_IP: '1000000000',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean).slice(-40));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      liveChildren.delete(child);
      resolve();
    }),
  );
  onCleanUp(async () => {
    if (exited) return;
    child.kill('SIGTERM');
    if (await Promise.race([exit.then(() => false), sleep(15_000).then(() => true)])) child.kill('SIGKILL');
  });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (exited) throw new Error(`Hark exited during start-up:\n${lines.join('\n')}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return url;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`Hark did not answer /healthz within 60 s:\n${lines.join('\n')}`);
}

async function countHits(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from analytics_hits');
  return rows[0]?.n ?? 0;
}

/** Waits until the row count stops growing (Hark's last batch written). */
async function settledCount(pool: pg.Pool): Promise<number> {
  let last = await countHits(pool);
  for (;;) {
    await sleep(600);
    const now = await countHits(pool);
    if (now === last) return now;
    last = now;
  }
}

export interface Turn {
  seconds: number;
  stored: number;
  answered2xx: number;
  non2xx: number;
}

async function httpTurn(url: string, pool: pg.Pool, connections: number, seconds: number): Promise<Turn> {
  const before = await settledCount(pool);
  const bodies = beaconBodies();
  // Every beacon body with each user agent in turn, as sendBeacon posts it.
  const requests = bodies.map((body, i) => ({ method: 'POST' as const, path: '/a/e', body, headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': agents[i % agents.length] as string } }));
  const result = await autocannon({ url, connections, duration: seconds, requests });
  const after = await settledCount(pool);
  return { seconds, stored: after - before, answered2xx: result['2xx'], non2xx: result.non2xx + result.errors };
}

/** The bare insert: one single-row INSERT per hit, from as many callers as HTTP connections. */
async function bareTurn(pool: pg.Pool, connections: number, seconds: number): Promise<Turn> {
  const day = new Date().toISOString().slice(0, 10);
  const row = (i: number) => {
    const body = JSON.parse(beaconBodies()[i % 16] as string) as { k: string; p: string; w: number; h: number; d?: number };
    return [day, body.k, randomBytes(32), body.p, i % 3 === 2 ? 'example.org' : null, i % 3 === 1 ? 'newsletter' : null, i % 3 === 1 ? 'email' : null, i % 3 === 1 ? 'june' : null, body.w, body.h, 'Chrome', 'Windows', 'desktop', body.d ?? null, '127.0.0.1'];
  };
  const text = `insert into analytics_hits (day, kind, visitor_hash, path, referrer_host, utm_source, utm_medium, utm_campaign, screen_width, screen_height, browser, os, device, duration_ms, ip)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`;
  const until = Date.now() + seconds * 1000;
  let stored = 0;
  await Promise.all(
    Array.from({ length: connections }, async (_, caller) => {
      let i = caller;
      while (Date.now() < until) {
        await pool.query(text, row(i));
        stored += 1;
        i += connections;
      }
    }),
  );
  return { seconds, stored, answered2xx: stored, non2xx: 0 };
}

export interface IngestionOptions {
  /** A Hark serving POST /a/e, writing to the database of `pool`. */
  url: string;
  /** A pool on the same database (the bare insert's callers, and the row counts). */
  pool: pg.Pool;
  connections: number;
  /** Seconds of each side in all, split over `rounds` turns. */
  duration: number;
  warmup: number;
  rounds: number;
}

export interface IngestionResult {
  hark: Turn;
  bare: Turn;
  /** Rows stored per second through HTTP over the bare insert's. */
  ratio: number;
}

export const ratePerSecond = (t: Turn) => t.stored / t.seconds;

/** Warm-up, then Hark and the bare insert in turns (hark–bare, bare–hark, …), never at once. */
export async function measureAnalyticsIngestion(options: IngestionOptions): Promise<IngestionResult> {
  const { url, pool, connections } = options;
  log(`analytics ingestion: warm-up ${options.warmup} s each`);
  await httpTurn(url, pool, connections, options.warmup);
  await bareTurn(pool, connections, options.warmup);

  const slice = options.duration / options.rounds;
  const totals = { hark: { seconds: 0, stored: 0, answered2xx: 0, non2xx: 0 }, bare: { seconds: 0, stored: 0, answered2xx: 0, non2xx: 0 } };
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? (['hark', 'bare'] as const) : (['bare', 'hark'] as const);
    for (const who of order) {
      log(`round ${round + 1}: ${who} for ${slice} s`);
      const turn = who === 'hark' ? await httpTurn(url, pool, connections, slice) : await bareTurn(pool, connections, slice);
      const total = totals[who];
      total.seconds += turn.seconds;
      total.stored += turn.stored;
      total.answered2xx += turn.answered2xx;
      total.non2xx += turn.non2xx;
    }
  }
  return { ...totals, ratio: ratePerSecond(totals.hark) / ratePerSecond(totals.bare) };
}
