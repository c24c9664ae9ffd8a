import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import type { Services } from '../context.ts';
import { pendingMigrations } from '../db/migrate.ts';
import { errorBody } from './errors.ts';

/** How long each readiness check may take before it counts as failed. */
const CHECK_DEADLINE_MS = 2000;
/** What a 503 from /readyz asks the caller to wait before asking again. */
const RETRY_AFTER_SECONDS = 5;

/** 'unknown': not checked, because the database (which it needs) failed. */
export type CheckResult = 'ok' | 'failed' | 'pending' | 'unknown';

/**
 * Resolves to what `work` resolves to, or rejects after `ms`. The work itself is not
 * cancelled (a query waiting for a pool connection cannot be); only the answer stops waiting.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function check(work: () => Promise<CheckResult>, what: string): Promise<CheckResult> {
  try {
    return await withDeadline(work(), CHECK_DEADLINE_MS, what);
  } catch {
    return 'failed';
  }
}

/**
 * The readiness checks, one after another (embedded PGlite has one connection): the database
 * answers, the job queue's schema is there, and no migration on disk is unapplied.
 */
export async function readinessChecks(services: Services): Promise<{ database: CheckResult; queue: CheckResult; migrations: CheckResult }> {
  const database = await check(async () => {
    await sql`select 1`.execute(services.db);
    return 'ok';
  }, 'database');
  if (database !== 'ok') return { database, queue: 'unknown', migrations: 'unknown' };
  const queue = await check(async () => {
    const { rows } = await sql<{ version: number }>`select version from pgboss.version`.execute(services.db);
    return rows.length > 0 ? 'ok' : 'failed';
  }, 'queue');
  const migrations = await check(async () => ((await pendingMigrations(services.db)).length === 0 ? 'ok' : 'pending'), 'migrations');
  return { database, queue, migrations };
}

/**
 * The read replica's state, checked now, when DATABASE_REPLICA_URL is set: `ok` (reports read
 * from it), `lagging` (further behind than HARK_REPLICA_MAX_LAG_SECONDS) or `unreachable`,
 * with its lag. It never makes this process unready: while the replica is lagging or
 * unreachable, reports read from the primary, so the process serves everything still.
 */
async function replicaReport(services: Services): Promise<{ replica?: { state: string; lagSeconds: number | null; lagBytes: number | null } }> {
  const replica = services.database.replica;
  if (!replica) return {};
  const { state, lagSeconds, lagBytes } = await replica.check();
  return { replica: { state, lagSeconds, lagBytes } };
}

export const healthRoutes: FastifyPluginAsync<{ services: Services; isReady: () => boolean }> = async (app, { services, isReady }) => {
  /** 200 once start-up (migrations, queue, demo data) has finished. */
  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    if (!isReady()) return reply.code(503).send(errorBody('not_ready'));
    return { status: 'ok' };
  });

  /**
   * 200 when this process should take traffic: start-up has finished, the database answers
   * within 2 s, pg-boss's schema is reachable and no migration is pending. Otherwise 503,
   * naming the check that failed, with retry-after. Start-up not finished (or stopping)
   * answers 503 `{ checks: { startup: 'pending' } }` without touching the database. With a
   * read replica, `replica` reports its state and lag (see `replicaReport`).
   */
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    if (!isReady()) {
      return reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS)).send({ status: 'not_ready', checks: { startup: 'pending' } });
    }
    const checks = await readinessChecks(services);
    const replica = await replicaReport(services);
    if (Object.values(checks).every((result) => result === 'ok')) return { status: 'ready', checks, ...replica };
    return reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS)).send({ status: 'not_ready', checks, ...replica });
  });
};
