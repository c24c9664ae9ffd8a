/**
 * What PostgreSQL is doing during the soak, every two seconds: its sessions by state and
 * wait event, the oldest open transaction, and the locks being waited for. When answers
 * slow down, this says whether the database was busy, waiting on locks, or idle while Hark
 * held transactions open.
 */
import type pg from 'pg';

export interface ActivitySample {
  /** ms since the load started */
  at: number;
  sessions: { state: string; wait: string; n: number }[];
  oldestTransactionS: number | null;
  lockWaits: number;
  /** The statements waiting for a lock, by their first 100 characters (the soak's own database: no one's data). */
  waitingStatements: { statement: string; n: number }[];
}

export class ActivityMonitor {
  readonly samples: ActivitySample[] = [];
  #timer: NodeJS.Timeout | null = null;
  #busy = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly startedAt: number,
  ) {}

  start(intervalMs = 2000): void {
    this.#timer = setInterval(() => void this.#sample(), intervalMs);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  async #sample(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const sessions = await this.pool.query<{ state: string; wait: string; n: number }>(
        `select coalesce(state, '?') as state, coalesce(wait_event_type || ':' || wait_event, '-') as wait, count(*)::int as n
         from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
         group by 1, 2 order by 3 desc`,
      );
      const oldest = await this.pool.query<{ s: number | null }>(
        `select max(extract(epoch from now() - xact_start))::float as s from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
      );
      const locks = await this.pool.query<{ n: number }>(`select count(*)::int as n from pg_locks where not granted`);
      const waiting = await this.pool.query<{ statement: string; n: number }>(
        `select left(regexp_replace(query, '\\s+', ' ', 'g'), 100) as statement, count(*)::int as n from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock' group by 1 order by 2 desc limit 5`,
      );
      this.samples.push({
        at: Date.now() - this.startedAt,
        sessions: sessions.rows,
        oldestTransactionS: oldest.rows[0]?.s ?? null,
        lockWaits: locks.rows[0]?.n ?? 0,
        waitingStatements: waiting.rows,
      });
    } catch {
      // PostgreSQL is restarting: no sample
    } finally {
      this.#busy = false;
    }
  }

  /** The worst moments: most lock waits, longest open transaction, most sessions idle in a transaction. */
  summary(): string {
    if (this.samples.length === 0) return 'database activity: no samples';
    const idleInTransaction = (s: ActivitySample) => s.sessions.filter((x) => x.state.startsWith('idle in transaction')).reduce((n, x) => n + x.n, 0);
    const active = (s: ActivitySample) => s.sessions.filter((x) => x.state === 'active').reduce((n, x) => n + x.n, 0);
    const max = (f: (s: ActivitySample) => number) => Math.max(...this.samples.map(f));
    return (
      `database activity (${this.samples.length} samples): at most ${max(active)} sessions active, ${max(idleInTransaction)} idle in a transaction, ` +
      `${max((s) => s.lockWaits)} lock waits; longest open transaction ${max((s) => s.oldestTransactionS ?? 0).toFixed(1)} s`
    );
  }
}
