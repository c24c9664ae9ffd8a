/**
 * Why a beacon was not stored. Every drop is counted twice: in the process's Prometheus
 * counter `hark_analytics_dropped_total{reason}` (at once) and per day in
 * analytics_daily_drops (with the next write), which the operator dashboard shows.
 */
import { Counter } from 'prom-client';
import { processRegistry } from '../counters.ts';

export const dropReasons = [
  /** The browser sent Do Not Track or Global Privacy Control. */
  'do_not_track',
  /** A known bot, crawler or preview fetcher, by its user agent. */
  'bot',
  /** No user agent at all: no browser sends that. */
  'no_user_agent',
  /** A field out of bounds: path, screen size, duration, event kind, referrer. */
  'invalid',
  /** The body was over the beacon's size limit. */
  'too_large',
  /** The body was not JSON or text/plain JSON. */
  'unreadable',
  /** Over the per-IP limit (HARK_ANALYTICS_LIMIT_PER_IP). */
  'rate_limited',
  /** The database fell so far behind that this process's batch was full. */
  'overloaded',
  /** A batch failed to write (counted in /metrics only: the database did not take it). */
  'write_failed',
] as const;

export type DropReason = (typeof dropReasons)[number];

const dropped = new Counter({
  name: 'hark_analytics_dropped_total',
  help: 'Website analytics beacons refused or dropped, by reason, since this process started',
  labelNames: ['reason'] as const,
  registers: [processRegistry],
});
const stored = new Counter({
  name: 'hark_analytics_hits_total',
  help: 'Website analytics hits written to the database, since this process started',
  registers: [processRegistry],
});
for (const reason of dropReasons) dropped.inc({ reason }, 0);

export function countDropped(reason: DropReason): void {
  dropped.inc({ reason });
}

export function countStored(hits: number): void {
  stored.inc(hits);
}
