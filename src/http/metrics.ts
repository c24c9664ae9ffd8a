/**
 * Prometheus metrics at `GET /metrics` (prom-client, text format).
 *
 * Two registries:
 * - one per app (built by `metricsPlugin`): the HTTP request metrics and the gauges read from
 *   the database at scrape time (jobs, alerts, the webhook outbox, pool). Several Harks in
 *   one process (tests) each count their own requests.
 * - one for the process (`processRegistry`, in src/counters.ts): prom-client's default process
 *   metrics (CPU, memory, event loop, GC; collected once per process, as they describe the
 *   process) and the domain counters that code paths bump through `countFeedbackIngested`,
 *   `countSmsSent`, `countEmailSent` and `countWebhookAttempt` (webhook deliveries by event
 *   and outcome, and their duration). Those functions need no app or services, so any code
 *   (request handlers, job workers) can call them. In production a process runs one Hark;
 *   in tests with several Harks in one process these counters are shared, so assert deltas.
 *
 * Each scrape answers `Registry.merge([appRegistry, processRegistry])`.
 *
 * Access: with HARK_METRICS_TOKEN set, only `Authorization: Bearer <token>` (401 otherwise);
 * without it, only clients on this machine that came through no proxy (404 otherwise).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { sql } from 'kysely';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { processRegistry, startProcessMetrics } from '../counters.ts';
import type { Services } from '../context.ts';
import type { AlertStatus, Channel } from '../db/schema.ts';
import { errorBody } from './errors.ts';
import { withDeadline } from './health-routes.ts';
import { onlyFromThisMachine } from './this-machine.ts';

// ---------------------------------------------------------------------------------------
// Per app: HTTP metrics, and gauges read at scrape time.

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface MetricsPluginOptions {
  services: Services;
  /** The pg pool's counts (`pool.totalCount`, `idleCount`, `waitingCount`); without it, no pool gauge. */
  poolStats?: (() => PoolStats) | undefined;
}

/** Methods kept as label values; anything else (a made-up method) is 'other'. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const WAITING_JOB_STATES = ['created', 'retry', 'active'] as const;
const OPEN_ALERT_STATUSES = ['pending', 'sending', 'failed'] as const satisfies readonly AlertStatus[];
/** How long each scrape-time query may take before its source counts as down. */
const SOURCE_DEADLINE_MS = 5000;

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** True when the Authorization header is `Bearer <token>`, compared in constant time (over hashes, so lengths leak nothing). */
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  const given = sha256(match?.[1] ?? '');
  return timingSafeEqual(given, expected) && match !== null;
}

export const metricsPlugin = fp<MetricsPluginOptions>(
  async (app, { services, poolStats }) => {
    startProcessMetrics();
    const registry = new Registry();

    const requests = new Counter({
      name: 'hark_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    });
    const duration = new Histogram({
      name: 'hark_http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by method and route pattern',
      labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    const jobs = new Gauge({
      name: 'hark_jobs',
      help: 'Jobs in the queue that are waiting (created, retry) or running (active), by queue and state',
      labelNames: ['queue', 'state'] as const,
      registers: [registry],
    });
    const oldest = new Gauge({
      name: 'hark_job_queue_oldest_seconds',
      help: 'Seconds since the oldest waiting job of the queue became due (0 when none waits)',
      labelNames: ['queue'] as const,
      registers: [registry],
    });
    const alerts = new Gauge({
      name: 'hark_alerts',
      help: 'Alerts in the outbox not yet sent, by status, over all clients',
      labelNames: ['status'] as const,
      registers: [registry],
    });
    const webhookOutbox = new Gauge({
      name: 'hark_webhook_outbox',
      help: 'Webhook deliveries waiting to be sent (pending, including those held for a disabled endpoint) or being sent (sending), over all clients',
      labelNames: ['status'] as const,
      registers: [registry],
    });
    const sourceUp = new Gauge({
      name: 'hark_metrics_source_up',
      help: '1 when the last scrape read this source of gauges from the database, 0 when it failed (its gauges are then absent)',
      labelNames: ['source'] as const,
      registers: [registry],
    });
    if (poolStats) {
      new Gauge({
        name: 'hark_db_pool_connections',
        help: 'Connections of the database pool: total open, idle, and requests waiting for one',
        labelNames: ['state'] as const,
        registers: [registry],
        collect() {
          const stats = poolStats();
          this.set({ state: 'total' }, stats.total);
          this.set({ state: 'idle' }, stats.idle);
          this.set({ state: 'waiting' }, stats.waiting);
        },
      });
    }
    registerFailedJobGauge(registry, services);
    registerReplicaGauges(registry, services);

    app.addHook('onResponse', async (request, reply) => {
      // The route's pattern, never the URL: no ids or codes in labels.
      const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
      const method = KNOWN_METHODS.has(request.method) ? request.method : 'other';
      requests.inc({ method, route, status: String(reply.statusCode) });
      duration.observe({ method, route }, reply.elapsedTime / 1000);
    });

    async function readJobs(): Promise<void> {
      // Queues come from pgboss.queue, so a queue without jobs shows 0 rather than nothing.
      // Oldest: since start_after of due waiting jobs (a job waiting out its retry delay is
      // not late); active jobs are not waiting.
      const { rows } = await sql<{ queue: string; state: string; n: number; oldest: number | null }>`
        select q.name as queue, s.state, coalesce(j.n, 0)::int as n, j.oldest::float8 as oldest
        from pgboss.queue q
        cross join (values ('created'), ('retry'), ('active')) as s (state)
        left join (
          select name, state::text as state, count(*) as n,
                 extract(epoch from now() - min(start_after) filter (where state in ('created', 'retry') and start_after <= now())) as oldest
          from pgboss.job
          where state in ('created', 'retry', 'active')
          group by name, state
        ) j on j.name = q.name and j.state = s.state`.execute(services.db);
      jobs.reset();
      oldest.reset();
      const oldestByQueue = new Map<string, number>();
      for (const row of rows) {
        if (!(WAITING_JOB_STATES as readonly string[]).includes(row.state)) continue;
        jobs.set({ queue: row.queue, state: row.state }, row.n);
        oldestByQueue.set(row.queue, Math.max(oldestByQueue.get(row.queue) ?? 0, row.oldest ?? 0));
      }
      for (const [queue, seconds] of oldestByQueue) oldest.set({ queue }, seconds);
    }

    async function readAlerts(): Promise<void> {
      // Owner role (no tenant): counts over every client, nothing per client.
      const rows = await services.db
        .selectFrom('alerts')
        .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
        .where('status', 'in', OPEN_ALERT_STATUSES)
        .groupBy('status')
        .execute();
      alerts.reset();
      for (const status of OPEN_ALERT_STATUSES) alerts.set({ status }, Number(rows.find((r) => r.status === status)?.n ?? 0));
    }

    async function readWebhookOutbox(): Promise<void> {
      // Owner role (no tenant), as for alerts; the partial index of due deliveries covers it.
      const rows = await services.db
        .selectFrom('webhook_deliveries')
        .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
        .where('status', 'in', ['pending', 'sending'])
        .groupBy('status')
        .execute();
      webhookOutbox.reset();
      for (const status of ['pending', 'sending'] as const) webhookOutbox.set({ status }, Number(rows.find((r) => r.status === status)?.n ?? 0));
    }

    async function readSource(source: string, read: () => Promise<void>, gauges: Gauge[]): Promise<void> {
      try {
        await withDeadline(read(), SOURCE_DEADLINE_MS, source);
        sourceUp.set({ source }, 1);
      } catch (error) {
        for (const gauge of gauges) gauge.reset();
        sourceUp.set({ source }, 0);
        app.log.warn({ source, message: error instanceof Error ? error.message : String(error) }, 'metrics source failed');
      }
    }

    // Concurrent scrapes share one round of queries.
    let refreshing: Promise<void> | null = null;
    function refresh(): Promise<void> {
      refreshing ??= (async () => {
        // One after the other: embedded PGlite has a single connection.
        await readSource('jobs', readJobs, [jobs, oldest]);
        await readSource('alerts', readAlerts, [alerts]);
        await readSource('webhooks', readWebhookOutbox, [webhookOutbox]);
      })().finally(() => {
        refreshing = null;
      });
      return refreshing;
    }

    const token = services.config.metricsToken;
    const expected = token ? sha256(token) : null;
    const allowed = async (request: FastifyRequest, reply: FastifyReply) => {
      if (expected) {
        if (!bearerMatches(request.headers.authorization, expected)) {
          return reply.code(401).header('www-authenticate', 'Bearer realm="hark-metrics"').send(errorBody('unauthenticated', 'This needs the metrics token (HARK_METRICS_TOKEN) as a bearer token.'));
        }
        return;
      }
      await onlyFromThisMachine(request);
    };

    app.get('/metrics', { schema: { hide: true }, onRequest: allowed }, async (_request, reply) => {
      await refresh();
      const merged = Registry.merge([registry, processRegistry]);
      const text = await merged.metrics();
      return reply.header('cache-control', 'no-store').type(merged.contentType).send(text);
    });
  },
  { name: 'hark-metrics' },
);

// ---------------------------------------------------------------------------------------
// Gauges that read their own source at scrape time (each guarded by its own deadline).

/**
 * Jobs that failed for good (retries used up), by queue. pg-boss keeps them in its job table
 * for 12 hours before archiving them, so this counts the failures of about the last 12 hours.
 */
function registerFailedJobGauge(registry: Registry, services: Services): void {
  new Gauge({
    name: 'hark_jobs_failed',
    help: 'Jobs that failed for good (retries used up) in about the last 12 hours (until pg-boss archives them), by queue',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const { rows } = await withDeadline(
          sql<{ queue: string; n: number }>`
            select q.name as queue, (select count(*) from pgboss.job j where j.name = q.name and j.state = 'failed')::int as n
            from pgboss.queue q`.execute(services.db),
          SOURCE_DEADLINE_MS,
          'failed jobs',
        );
        for (const row of rows) this.set({ queue: row.queue }, row.n);
      } catch {
        // Absent this scrape; hark_metrics_source_up{source="jobs"} tells whether the queue answers.
      }
    },
  });
}

/**
 * The read replica (DATABASE_REPLICA_URL), checked at each scrape: whether it answers, its
 * lag, whether reports read from it now, and its connection pool. Absent without a replica.
 */
function registerReplicaGauges(registry: Registry, services: Services): void {
  const replica = services.database.replica;
  if (!replica) return;
  // One check per scrape, shared by the gauges below (prom-client collects them side by side).
  const status = () => replica.check();
  new Gauge({
    name: 'hark_db_replica_up',
    help: '1 when the read replica answered the last check, 0 when it did not',
    registers: [registry],
    async collect() {
      this.set((await status()).state === 'unreachable' ? 0 : 1);
    },
  });
  new Gauge({
    name: 'hark_db_replica_lag_seconds',
    help: 'Seconds the read replica is behind the primary (0 when it has replayed everything); NaN when it does not answer',
    registers: [registry],
    async collect() {
      this.set((await status()).lagSeconds ?? Number.NaN);
    },
  });
  new Gauge({
    name: 'hark_db_replica_lag_bytes',
    help: 'Bytes of write-ahead log the read replica has still to replay; NaN when it does not answer',
    registers: [registry],
    async collect() {
      this.set((await status()).lagBytes ?? Number.NaN);
    },
  });
  new Gauge({
    name: 'hark_db_replica_in_use',
    help: '1 when reports read from the replica, 0 while they read from the primary (replica lagging past HARK_REPLICA_MAX_LAG_SECONDS, or not answering)',
    registers: [registry],
    async collect() {
      this.set((await status()).state === 'ok' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'hark_db_replica_pool_connections',
    help: 'Connections of the read replica pool: total open, idle, and requests waiting for one',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, replica.pool.totalCount);
      this.set({ state: 'idle' }, replica.pool.idleCount);
      this.set({ state: 'waiting' }, replica.pool.waitingCount);
    },
  });
}
