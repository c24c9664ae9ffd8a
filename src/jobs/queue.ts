/**
 * The job queue: pg-boss on the same database, through the same pool, so it runs unchanged
 * on PostgreSQL and embedded PGlite. Jobs are enqueued inside the transaction that makes
 * them necessary, so a job exists exactly when its cause was committed.
 */
import { createRequire } from 'node:module';
import { CompiledQuery } from 'kysely';
import PgBoss from 'pg-boss';
import type pg from 'pg';
import type { Trx } from '../db/tenancy.ts';
import { retryWhileDatabaseUnavailable } from '../db/unavailable.ts';

/**
 * The statements by which pg-boss 10 records a job's outcome. Its workers run them without
 * awaiting them (Manager#watch: `this.complete(…)`, `this.fail(…)`), so a rejection there is
 * unhandled and ends the process. Taken from pg-boss itself: a change of its SQL text fails
 * here, at once, rather than silently.
 */
const pgBossPlans = createRequire(import.meta.url)('pg-boss/src/plans.js') as { completeJobs(schema: string): string; failJobsById(schema: string): string };
const outcomeStatements = new Set([pgBossPlans.completeJobs('pgboss'), pgBossPlans.failJobsById('pgboss')]);
/** How long an outcome waits for an unavailable database before the job is left to expire. */
const OUTCOME_PATIENCE_MS = 60_000;

export interface QueueDefinition {
  name: string;
  /** 'short' keeps at most one waiting job per singleton key: a burst of causes runs once. */
  policy: 'standard' | 'short' | 'singleton' | 'stately';
  retryLimit?: number;
  retryDelaySeconds?: number;
  /**
   * A job still running after this long counts as failed (its worker died) and is retried:
   * pg-boss's default is 15 minutes. Quick jobs that people wait for set less.
   */
  expireInSeconds?: number;
}

export type JobHandler<T> = (data: T) => Promise<void>;

export interface JobQueueOptions {
  /** Run pg-boss's maintenance (expiry, archiving); any number of processes may. */
  supervise: boolean;
  /**
   * Keep the cron schedules (see `schedule`): this process enqueues a scheduled job when it
   * falls due. Any number of processes may; pg-boss sends each due job once.
   */
  schedule?: boolean;
}

export class JobQueue {
  readonly #boss: PgBoss;
  readonly #pool: pg.Pool;
  /** While `start` runs, the one connection that every statement of pg-boss goes through. */
  #startConnection: pg.PoolClient | null = null;
  /** Statements on that connection run one after another (pg-boss's clock starts beside its set-up). */
  #startChain: Promise<unknown> = Promise.resolve();
  /** Statements of pg-boss and job handlers still running; `stop` waits for them. */
  #inFlight = 0;
  #stopping = false;

  constructor(pool: pg.Pool, options: JobQueueOptions) {
    this.#pool = pool;
    this.#boss = new PgBoss({
      db: {
        executeSql: (text: string, values: unknown[]) =>
          this.#track(
            this.#startConnection
              ? this.#onStartConnection(this.#startConnection, text, values)
              : outcomeStatements.has(text)
                ? this.#recordOutcome(text, values)
                : pool.query(text, values),
          ),
      },
      schedule: options.schedule ?? false,
      supervise: options.supervise,
      // Expired jobs (of a worker that died) are found by this maintenance: every 30 s
      // rather than pg-boss's 2 minutes, so they run again soon after they expire.
      maintenanceIntervalSeconds: 30,
      migrate: true,
    });
    this.#boss.on('error', (error: Error) => {
      // pg-boss reports failures of its own maintenance here; the worker retries.
      process.emitWarning(`job queue: ${error.message}`);
    });
  }

  #onStartConnection(connection: pg.PoolClient, text: string, values: unknown[]) {
    const run = this.#startChain.then(() => connection.query(text, values));
    this.#startChain = run.catch(() => undefined);
    return run;
  }

  /**
   * Records a job's outcome, which nothing awaits (see `outcomeStatements`), so it never
   * rejects. While the database is unavailable (a restart, a failover) it tries again until
   * the database is back, so the job is settled in seconds rather than left running until
   * it expires. If it cannot, the job runs again after it expires: every job may be repeated.
   */
  async #recordOutcome(text: string, values: unknown[]): Promise<pg.QueryResult | { rows: { count: number }[] }> {
    try {
      return await retryWhileDatabaseUnavailable(() => this.#pool.query(text, values), { patienceMs: OUTCOME_PATIENCE_MS, stop: () => this.#stopping });
    } catch (error) {
      process.emitWarning(`job queue: a job's outcome was not recorded (${error instanceof Error ? error.message : String(error)}); it runs again once it expires`);
      return { rows: [{ count: 0 }] };
    }
  }

  async #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight += 1;
    try {
      return await work;
    } finally {
      this.#inFlight -= 1;
    }
  }

  /**
   * Installs or updates pg-boss's schema, creates the queues and grants the application role
   * its rights. Processes starting at once on a new database take turns, under a session
   * advisory lock held on one connection that all of this goes through: pg-boss's own
   * installation is not safe side by side (concurrent CREATE SCHEMA fails with a duplicate
   * key, queue creation deadlocks), nor are concurrent GRANTs on one object.
   */
  async start(queues: QueueDefinition[]): Promise<void> {
    const connection = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await connection.query(`select pg_advisory_lock(hashtextextended('hark:job-queue-start', 0))`);
      this.#startConnection = connection;
      try {
        await this.#startQueues(connection, queues);
      } finally {
        this.#startConnection = null;
        await connection.query(`select pg_advisory_unlock(hashtextextended('hark:job-queue-start', 0))`).catch((error: Error) => {
          // A connection that cannot unlock is closed below, which releases the lock.
          broken = error;
        });
      }
    } finally {
      connection.release(broken);
    }
  }

  async #startQueues(connection: pg.PoolClient, queues: QueueDefinition[]): Promise<void> {
    await this.#boss.start();
    for (const queue of queues) {
      const existing = await this.#boss.getQueue(queue.name);
      const expiry = queue.expireInSeconds === undefined ? {} : { expireInSeconds: queue.expireInSeconds };
      if (!existing) {
        await this.#boss.createQueue(queue.name, {
          name: queue.name,
          policy: queue.policy,
          retryLimit: queue.retryLimit ?? 5,
          retryDelay: queue.retryDelaySeconds ?? 5,
          retryBackoff: true,
          ...expiry,
        });
      } else if (queue.expireInSeconds !== undefined && existing.expireInSeconds !== queue.expireInSeconds) {
        // A queue made before its expiry was set (an upgrade) takes it on. pg-boss keeps the
        // settings not given, except the policy, which it would reset to 'standard'.
        await this.#boss.updateQueue(queue.name, { name: queue.name, policy: existing.policy, ...expiry });
      }
    }
    // Tenant transactions run as hark_app and enqueue their jobs: they may add jobs and
    // learn a new job's id, nothing more.
    await connection.query(`
      GRANT USAGE ON SCHEMA pgboss TO hark_app;
      GRANT SELECT ON pgboss.queue TO hark_app;
      GRANT INSERT ON pgboss.job TO hark_app;
      GRANT SELECT (id, name, singleton_key, state, policy) ON pgboss.job TO hark_app;`);
  }

  /**
   * Sends a job of the queue on a cron schedule (five fields, in the time zone given, UTC by
   * default). The schedule lives in the database, one per queue: calling this again from
   * another process or a later start replaces it, never adds a second.
   */
  async schedule(name: string, cron: string, options: { tz?: string; data?: object } = {}): Promise<void> {
    await this.#boss.schedule(name, cron, options.data ?? {}, { tz: options.tz ?? 'UTC' });
  }

  /** Enqueues in the caller's transaction. Payloads hold ids only, never personal data. */
  async sendInTransaction(trx: Trx, name: string, data: object, options: PgBoss.SendOptions = {}): Promise<string | null> {
    return this.#boss.send(name, data, {
      ...options,
      db: {
        executeSql: async (text: string, values: unknown[]) => {
          const result = await trx.executeQuery(CompiledQuery.raw(text, values));
          return { rows: result.rows as unknown[] };
        },
      },
    });
  }

  async work<T extends object>(
    name: string,
    options: { pollingIntervalSeconds: number; batchSize: number },
    handler: JobHandler<T>,
  ): Promise<void> {
    await this.#boss.work<T>(name, options, (jobs) =>
      this.#track(
        (async () => {
          for (const job of jobs) await handler(job.data);
        })(),
      ),
    );
  }

  /** Waits until no job of the queue is waiting or running, or the timeout passes. */
  async drained(name: string, timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const { rows } = await this.#pool.query(
        `select count(*)::int as n from pgboss.job where name = $1 and state in ('created', 'retry', 'active')`,
        [name],
      );
      if (rows[0].n === 0) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  }

  /**
   * Stops the workers and waits for the work they have taken. pg-boss's own graceful stop
   * returns while a fetch may still be running (a fetch that then returns jobs starts their
   * handler and marks them active) and while it is still recording a job as completed or
   * failed, which it does not await; the pool must outlive all of that, or the job stays
   * active until it expires and the statement fails on a closed pool.
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    this.#stopping = true;
    await this.#boss.stop({ graceful: true, wait: true, close: false, timeout: timeoutMs });
    while (this.#inFlight > 0 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
