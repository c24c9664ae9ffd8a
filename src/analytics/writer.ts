/**
 * Writes hits in batches: beacons wait in memory for up to HARK_ANALYTICS_FLUSH_MS (or until
 * a batch is full), then one transaction inserts them with one statement and rolls them up
 * into the daily summary rows with a few upserts. A beacon is fire-and-forget for the
 * browser, so answering before the write costs nothing a visitor could see; a process that
 * dies loses at most its last batch. The buffer is this process's own: nothing is shared.
 */
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { countDropped, countStored, type DropReason } from './drops.ts';
import type { AcceptedHit } from './ingest.ts';
import type { AnalyticsDb, AnalyticsTables, Dimension } from './tables.ts';
import { utcDay } from './days.ts';
import { DailySalt, visitorHash } from './visitor.ts';

export interface PendingHit {
  hit: AcceptedHit;
  ip: string;
  receivedAt: Date;
}

type HitRow = AnalyticsTables['analytics_hits'];
type NewHit = Omit<HitRow, 'id' | 'ip_truncated' | 'received_at'> & { received_at: Date };

interface CountDelta {
  visitors: number;
  views: number;
  leaves: number;
  durationMs: number;
}

/** Batches above this go out at once rather than waiting for the timer. */
const BATCH_ROWS = 500;
/** Rows per INSERT statement (19 parameters each, under PostgreSQL's 65 535). */
const INSERT_CHUNK = 2000;
/** Past this many waiting hits (the database is far behind), new ones are dropped and counted. */
const MAX_WAITING = 50_000;

export class HitWriter {
  #hits: PendingHit[] = [];
  #drops = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  #stopped = false;
  readonly #salts: DailySalt;

  constructor(
    private readonly db: AnalyticsDb,
    private readonly flushMs: number,
    private readonly log: Pick<Logger, 'warn'>,
  ) {
    this.#salts = new DailySalt(db);
  }

  add(pending: PendingHit): void {
    if (this.#hits.length >= MAX_WAITING) {
      this.drop('overloaded', pending.receivedAt);
      return;
    }
    this.#hits.push(pending);
    this.#schedule(this.#hits.length >= BATCH_ROWS ? 0 : this.flushMs);
  }

  /** Counts a dropped beacon: at once in /metrics, and in the day's row with the next write. */
  drop(reason: DropReason, at: Date = new Date()): void {
    countDropped(reason);
    const key = `${utcDay(at)}|${reason}`;
    this.#drops.set(key, (this.#drops.get(key) ?? 0) + 1);
    this.#schedule(this.flushMs);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    if (this.#timer && delayMs > 0) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush();
    }, delayMs);
  }

  /** Writes everything waiting; one write at a time, so summary rows are never locked against ourselves. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    if (!this.#hits.length && !this.#drops.size) return;
    const hits = this.#hits;
    const drops = this.#drops;
    this.#hits = [];
    this.#drops = new Map();
    this.#flushing = this.#write(hits, drops)
      .catch((error: unknown) => {
        for (let i = 0; i < hits.length; i++) countDropped('write_failed');
        // The message only: a failed statement's parameters would hold IPs.
        this.log.warn({ hits: hits.length, message: error instanceof Error ? error.message : String(error) }, 'analytics batch not written');
      })
      .finally(() => {
        this.#flushing = null;
      });
    await this.#flushing;
    if (this.#hits.length >= BATCH_ROWS) this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.flush();
  }

  async #write(hits: PendingHit[], drops: Map<string, number>): Promise<void> {
    const rows: NewHit[] = [];
    for (const { hit, ip, receivedAt } of hits) {
      const day = utcDay(receivedAt);
      const salt = await this.#salts.saltOf(day);
      rows.push({
        received_at: receivedAt,
        day,
        kind: hit.kind,
        visitor_hash: visitorHash(salt, ip, hit.userAgent),
        path: hit.path,
        referrer_host: hit.referrerHost,
        utm_source: hit.utmSource,
        utm_medium: hit.utmMedium,
        utm_campaign: hit.utmCampaign,
        screen_width: hit.screenWidth,
        screen_height: hit.screenHeight,
        browser: hit.agent.browser,
        os: hit.agent.os,
        device: hit.agent.device,
        duration_ms: hit.durationMs,
        ip,
      });
    }
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await trx.insertInto('analytics_hits').values(rows.slice(i, i + INSERT_CHUNK)).execute();
      }
      const newVisitors = await insertVisitors(trx, rows);
      await upsertCounts(trx, rollUp(rows, newVisitors));
      await upsertDrops(trx, drops);
    });
    countStored(rows.length);
  }
}

/** Records the day's visitors of these views; answers how many were new, per day. */
async function insertVisitors(db: AnalyticsDb, rows: NewHit[]): Promise<Map<string, number>> {
  const seen = new Map<string, { day: string; visitor_hash: Buffer }>();
  for (const row of rows) {
    if (row.kind !== 'view') continue;
    seen.set(`${row.day}|${row.visitor_hash.toString('hex')}`, { day: row.day, visitor_hash: row.visitor_hash });
  }
  const added = new Map<string, number>();
  if (!seen.size) return added;
  const inserted = await db
    .insertInto('analytics_daily_visitors')
    .values([...seen.values()])
    .onConflict((oc) => oc.columns(['day', 'visitor_hash']).doNothing())
    .returning('day')
    .execute();
  for (const { day } of inserted) added.set(day, (added.get(day) ?? 0) + 1);
  return added;
}

function rollUp(rows: NewHit[], newVisitors: Map<string, number>): Map<string, CountDelta> {
  const deltas = new Map<string, CountDelta>();
  const bump = (day: string, dimension: Dimension, value: string, change: Partial<CountDelta>) => {
    const key = `${day}\u0000${dimension}\u0000${value}`;
    const delta = deltas.get(key) ?? { visitors: 0, views: 0, leaves: 0, durationMs: 0 };
    delta.visitors += change.visitors ?? 0;
    delta.views += change.views ?? 0;
    delta.leaves += change.leaves ?? 0;
    delta.durationMs += change.durationMs ?? 0;
    deltas.set(key, delta);
  };
  for (const [day, visitors] of newVisitors) bump(day, 'total', '', { visitors });
  for (const row of rows) {
    if (row.kind === 'leave') {
      const leave = { leaves: 1, durationMs: row.duration_ms ?? 0 };
      bump(row.day, 'total', '', leave);
      bump(row.day, 'page', row.path, leave);
      continue;
    }
    bump(row.day, 'total', '', { views: 1 });
    bump(row.day, 'page', row.path, { views: 1 });
    bump(row.day, 'source', row.utm_source ?? row.referrer_host ?? '(direct)', { views: 1 });
    bump(row.day, 'device', row.device, { views: 1 });
    bump(row.day, 'browser', row.browser, { views: 1 });
    bump(row.day, 'os', row.os, { views: 1 });
  }
  return deltas;
}

async function upsertCounts(db: AnalyticsDb, deltas: Map<string, CountDelta>): Promise<void> {
  if (!deltas.size) return;
  // In key order, so two processes writing the same rows lock them in the same order.
  const values = [...deltas.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, d]) => {
      const [day, dimension, value] = key.split('\u0000') as [string, Dimension, string];
      return { day, dimension, value, visitors: d.visitors, views: d.views, leaves: d.leaves, duration_ms: d.durationMs };
    });
  await db
    .insertInto('analytics_daily_counts')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['day', 'dimension', 'value']).doUpdateSet({
        visitors: sql<number>`analytics_daily_counts.visitors + excluded.visitors`,
        views: sql<number>`analytics_daily_counts.views + excluded.views`,
        leaves: sql<number>`analytics_daily_counts.leaves + excluded.leaves`,
        duration_ms: sql<number>`analytics_daily_counts.duration_ms + excluded.duration_ms`,
      }),
    )
    .execute();
}

async function upsertDrops(db: AnalyticsDb, drops: Map<string, number>): Promise<void> {
  if (!drops.size) return;
  const values = [...drops.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, dropped]) => {
    const [day, reason] = key.split('|') as [string, string];
    return { day, reason, dropped };
  });
  await db
    .insertInto('analytics_daily_drops')
    .values(values)
    .onConflict((oc) => oc.columns(['day', 'reason']).doUpdateSet({ dropped: sql<number>`analytics_daily_drops.dropped + excluded.dropped` }))
    .execute();
}
