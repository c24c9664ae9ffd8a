/**
 * A read replica (DATABASE_REPLICA_URL): a PostgreSQL streaming standby of the primary that
 * dashboards, reports and exports read from, so those long scans leave the primary's
 * connections and cache to the writes.
 *
 * Reads go to the replica only while it answers and is no further behind than the configured
 * lag; otherwise they go to the primary, and return to the replica once it has caught up.
 * A check every few seconds (and every /readyz or /metrics scrape) decides.
 *
 * Lag is measured against the primary: each check reads the primary's current WAL position
 * and the replica's replayed position. Caught up (replayed ≥ the primary's position) is 0 s.
 * Behind, the replica holds at least everything up to the newer of two moments: the commit
 * time of the last transaction it replayed, and the last earlier check at which the primary
 * stood no further than the replica stands now; the lag is the time since then. (The second
 * keeps an idle primary, whose last commit may be an hour old, from reading as an hour
 * behind when a checkpoint moves its position.)
 */
import { NoResultError, sql } from 'kysely';
import pg from 'pg';
import type { Db } from './connect.ts';
import { kyselyOverPool, pipelinedPoolSettings } from './pipelined-transaction.ts';
import type { Database } from './schema.ts';

export type ReplicaState = 'ok' | 'lagging' | 'unreachable';

export interface ReplicaStatus {
  /** ok: reads go to the replica; lagging or unreachable: they go to the primary. */
  state: ReplicaState;
  /** Seconds the replica is behind the primary (0 when caught up); null when unreachable or not known. */
  lagSeconds: number | null;
  /** WAL bytes the replica has still to replay; null when unreachable. */
  lagBytes: number | null;
  /** Set when unreachable: what failed (no connection details). */
  error?: string;
}

export interface ReadReplicaOptions {
  url: string;
  poolMax: number;
  maxLagSeconds: number;
  /** How often the replica is checked in the background (default 2 s). */
  checkEveryMs?: number;
  /** How long a check may take before the replica counts as unreachable (default 2 s). */
  checkDeadlineMs?: number;
}

/** A WAL position ('16/B374D848') as a byte offset. */
export function parseLsn(lsn: string): bigint {
  const [high, low] = lsn.split('/');
  if (high === undefined || low === undefined) throw new Error(`not a WAL position: ${lsn}`);
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

/** Primary positions seen by earlier checks, kept this long (enough for any sensible lag limit). */
const HISTORY_MS = 10 * 60_000;

export class ReadReplica {
  readonly db: Db;
  readonly pool: pg.Pool;
  readonly maxLagSeconds: number;
  readonly #primary: Db;
  readonly #checkEveryMs: number;
  readonly #deadlineMs: number;
  #status: ReplicaStatus = { state: 'unreachable', lagSeconds: null, lagBytes: null, error: 'not checked yet' };
  #checking: Promise<ReplicaStatus> | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** (time, primary position) of earlier checks, oldest first. */
  #history: { at: number; lsn: bigint }[] = [];

  constructor(primary: Db, options: ReadReplicaOptions) {
    this.#primary = primary;
    this.maxLagSeconds = options.maxLagSeconds;
    this.#checkEveryMs = options.checkEveryMs ?? 2000;
    this.#deadlineMs = options.checkDeadlineMs ?? 2000;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax,
      connectionTimeoutMillis: this.#deadlineMs,
      application_name: 'hark-replica-reads',
      // A standby refuses writes anyway; this also refuses them if the URL names a primary.
      options: '-c default_transaction_read_only=on',
      ...pipelinedPoolSettings,
    });
    this.pool.on('error', () => {
      // An idle connection was lost (the replica restarted): the pool replaces it.
    });
    this.db = kyselyOverPool(this.pool);
  }

  /** The last check's outcome. */
  get status(): ReplicaStatus {
    return this.#status;
  }

  /** Where reads should go now: the replica while it answers and keeps up, else the primary. */
  get readDb(): Db {
    return this.#status.state === 'ok' ? this.db : this.#primary;
  }

  /** Checks the replica now (concurrent callers share one check) and updates where reads go. */
  check(): Promise<ReplicaStatus> {
    this.#checking ??= this.#measure()
      .then((status) => (this.#status = status))
      .finally(() => {
        this.#checking = null;
      });
    return this.#checking;
  }

  /** Checks every few seconds until `close`; the timer never keeps the process alive. */
  startChecking(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.check().catch(() => {}), this.#checkEveryMs);
    this.#timer.unref();
  }

  /**
   * The database to read from for figures that must include everything committed before this
   * call (an export must hold what changed before it began): the replica once it has
   * replayed up to the primary's present position, or the primary if it does not within
   * `timeoutMs` or is not in use.
   */
  async caughtUpReadDb(timeoutMs: number): Promise<Db> {
    if (this.#status.state !== 'ok') return this.#primary;
    try {
      const target = await this.#primaryPosition();
      const until = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await sql<{ replayed: string | null; standby: boolean }>`
          select pg_last_wal_replay_lsn()::text as replayed, pg_is_in_recovery() as standby`.execute(this.db);
        const row = rows[0];
        if (row && (!row.standby || (row.replayed !== null && parseLsn(row.replayed) >= target))) return this.db;
        if (Date.now() >= until) return this.#primary;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } catch {
      return this.#primary;
    }
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#checking?.catch(() => {});
    await this.db.destroy();
  }

  async #primaryPosition(): Promise<bigint> {
    // The insert position, not the write position: with synchronous_commit off a commit returns
    // before its WAL is written, and a replica that replayed up to the write position could still
    // lack it.
    const { rows } = await sql<{ lsn: string }>`select pg_current_wal_insert_lsn()::text as lsn`.execute(this.#primary);
    const lsn = rows[0]?.lsn;
    if (!lsn) throw new Error('the primary gave no WAL position');
    return parseLsn(lsn);
  }

  async #measure(): Promise<ReplicaStatus> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.#deadlineMs} ms`)), this.#deadlineMs);
    });
    try {
      return await Promise.race([this.#measureLag(), deadline]);
    } catch (error) {
      return { state: 'unreachable', lagSeconds: null, lagBytes: null, error: describeFailure(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  async #measureLag(): Promise<ReplicaStatus> {
    const checkedAt = Date.now();
    const primary = await this.#primaryPosition();
    const { rows } = await sql<{ standby: boolean; replayed: string | null; since_commit: number | null }>`
      select pg_is_in_recovery() as standby, pg_last_wal_replay_lsn()::text as replayed,
             extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 as since_commit`.execute(this.db);
    const row = rows[0];
    if (!row) throw new Error('the replica gave no answer');
    this.#remember(checkedAt, primary);
    // Not a standby (promoted, or the URL names a primary): it holds what it holds, no lag to wait out.
    if (!row.standby || row.replayed === null) return this.#judge(0, 0);
    const replayed = parseLsn(row.replayed);
    if (replayed >= primary) return this.#judge(0, 0);
    const behind = Number(primary - replayed);
    const bounds: number[] = [];
    if (row.since_commit !== null) bounds.push(Math.max(0, row.since_commit));
    const reached = this.#lastSampleAtOrBefore(replayed);
    if (reached) bounds.push((checkedAt - reached.at) / 1000);
    return this.#judge(bounds.length ? Math.min(...bounds) : null, behind);
  }

  /** The newest earlier check at which the primary stood no further than `lsn`. */
  #lastSampleAtOrBefore(lsn: bigint): { at: number; lsn: bigint } | undefined {
    for (let i = this.#history.length - 1; i >= 0; i--) {
      const sample = this.#history[i];
      if (sample && sample.lsn <= lsn) return sample;
    }
    return undefined;
  }

  #remember(at: number, lsn: bigint): void {
    this.#history.push({ at, lsn });
    while (this.#history.length > 0 && (this.#history[0]?.at ?? at) < at - HISTORY_MS) this.#history.shift();
  }

  #judge(lagSeconds: number | null, lagBytes: number): ReplicaStatus {
    const keepsUp = lagSeconds !== null && lagSeconds <= this.maxLagSeconds;
    return { state: keepsUp ? 'ok' : 'lagging', lagSeconds: lagSeconds === null ? null : Math.round(lagSeconds * 1000) / 1000, lagBytes };
  }
}

/** What went wrong, without a URL or password (pg's messages carry neither). */
function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 200);
}

/**
 * Runs a read on the read database (`readDb`: the replica while it keeps up), and once more
 * on the primary (`db`) when its answer is one a replica a moment behind could give wrongly:
 * something made a moment ago, not found yet (a result `mayBeLag` picks out, or a row that
 * had to be there and was not). Without a replica it reads once.
 */
export async function readWithLagFallback<T>(databases: { readonly db: Db; readonly readDb: Db }, read: (db: Db) => Promise<T>, mayBeLag: (result: T) => boolean): Promise<T> {
  const readDb = databases.readDb;
  if (readDb === databases.db) return read(readDb);
  let result: T;
  try {
    result = await read(readDb);
  } catch (error) {
    if (error instanceof NoResultError) return read(databases.db);
    throw error;
  }
  return mayBeLag(result) ? read(databases.db) : result;
}
