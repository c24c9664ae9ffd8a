/**
 * Transactions whose statements can share round trips.
 *
 * Every pool Hark opens runs its connections in node-postgres's pipeline mode: a statement is
 * written to the server when it is issued, without waiting for the answer to the one before,
 * and the server runs the statements in the order they were written. Inside a transaction,
 * statements issued together (`Promise.all`) therefore cost one round trip between them
 * instead of one each, and each still runs whole, in order, with a snapshot of its own (READ
 * COMMITTED), exactly as if they had been awaited one by one. On the feedback path a batch
 * waits for four round trips where it waited for about twelve (bench/README.md, session 7).
 * What must run in a given order (a lock, then the look-up it protects) is issued in that
 * order: Kysely hands every kind of query to the connection in the order it was issued
 * (tested), and the server runs them so.
 *
 * Kysely sends one statement at a time on a connection it hands out (`db.connection()`,
 * `db.transaction()`), so a transaction here gets a Kysely instance of its own over its pooled
 * connection (about 8 µs to make).
 *
 * Statements run concurrently can outlive a failure: one fails, the transaction is rolled back,
 * and another branch of the same `Promise.all` issues its next statement afterwards. That
 * statement would run outside the transaction, without its tenant settings, and commit on its
 * own. So the transaction's connection refuses every statement once the transaction has ended
 * (`TransactionEndedError`), whichever way it ended.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import type { Database } from './schema.ts';

type Db = Kysely<Database>;

const poolOf = new WeakMap<Db, pg.Pool>();

/** A Kysely instance over `pool`, whose connections must be in pipeline mode, able to run `pipelinedTransaction`. */
export function kyselyOverPool(pool: pg.Pool): Db {
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  poolOf.set(db, pool);
  return db;
}

/** The settings every pool Hark opens shares: connections in pipeline mode. */
export const pipelinedPoolSettings = { pipeline: true } as const satisfies pg.PoolConfig;

export class TransactionEndedError extends Error {
  constructor() {
    super('a statement was issued after its transaction had ended');
    this.name = 'TransactionEndedError';
  }
}

export class TransactionRolledBackError extends Error {
  constructor() {
    super('the transaction was rolled back at commit: a statement in it had failed');
    this.name = 'TransactionRolledBackError';
  }
}

/**
 * Runs `work` in a transaction on one pooled connection: `begin` (one simple query: it may
 * hold more than one statement, such as the tenant settings) is sent and answered first,
 * then `work` runs with a Kysely instance whose statements are pipelined; the transaction
 * commits when `work` resolves and rolls back when it throws.
 */
export async function pipelinedTransaction<T>(db: Db, begin: string, work: (trx: Db) => Promise<T>): Promise<T> {
  const pool = poolOf.get(db);
  // A Kysely instance with no pool of its own, such as one bound to a single connection
  // (`db.connection()`) by a caller that needs that connection: its statements go one at a time.
  if (!pool) return db.connection().execute((connection) => runTransaction((text) => sql.raw(text).execute(connection).then(commandOf), connection, begin, work, () => {}));
  const client = await pool.connect();
  let open = true;
  const connection = {
    query(text: string, values?: unknown[]) {
      if (!open) return Promise.reject(new TransactionEndedError());
      return client.query(text, values);
    },
    release() {},
  };
  const trx = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: { connect: async () => connection, end: async () => {} } as unknown as pg.Pool }),
  });
  try {
    return await runTransaction((text) => client.query(text).then((result) => result.command), trx, begin, work, () => (open = false));
  } finally {
    client.release();
  }
}

/** Kysely's answer to COMMIT or ROLLBACK names the command PostgreSQL completed. */
function commandOf(result: { rows: unknown[] }): string | undefined {
  return (result.rows[0] as { command?: string } | undefined)?.command;
}

/**
 * begin, work, then commit or rollback, with `run` sending the transaction's own statements;
 * `ended` is called before either, once nothing more of `work` may run.
 */
async function runTransaction<T>(run: (text: string) => Promise<string | undefined>, trx: Db, begin: string, work: (trx: Db) => Promise<T>, ended: () => void): Promise<T> {
  let result: T;
  try {
    // Awaited before any of work's statements is written: had `begin` failed, they would
    // otherwise run outside a transaction, without the settings it makes. (A `begin` whose
    // settings failed leaves a transaction aborted: the rollback below ends it.)
    await run(begin);
    result = await work(trx);
  } catch (error) {
    ended();
    // A rollback that fails finds the connection lost; the pool drops such a client itself.
    await run('rollback').catch(() => {});
    throw error;
  }
  ended();
  // After a failed statement whose error `work` caught, PostgreSQL answers COMMIT by rolling back.
  if ((await run('commit')) === 'ROLLBACK') throw new TransactionRolledBackError();
  return result;
}
