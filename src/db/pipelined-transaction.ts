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
  if (!pool) return serialTransaction(db, begin, work);
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
    // Awaited before any of work's statements is written: had `begin` failed, they would
    // otherwise run outside a transaction, without the settings it makes.
    await client.query(begin);
    const result = await work(trx);
    open = false;
    // After a failed statement whose error `work` caught, PostgreSQL answers COMMIT by rolling back.
    const committed = await client.query('commit');
    if (committed.command === 'ROLLBACK') throw new TransactionRolledBackError();
    return result;
  } catch (error) {
    if (open) {
      open = false;
      // A rollback that fails finds the connection lost; the pool drops such a client itself.
      await client.query('rollback').catch(() => {});
    }
    throw error;
  } finally {
    client.release();
  }
}

/**
 * The same on a Kysely instance that has no pool of its own, such as one bound to a single
 * connection (`db.connection()`) by a caller that needs that connection: its statements go
 * one at a time.
 */
async function serialTransaction<T>(db: Db, begin: string, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.connection().execute(async (connection) => {
    await sql.raw(begin).execute(connection);
    let result: T;
    try {
      result = await work(connection);
    } catch (error) {
      await sql.raw('rollback').execute(connection).catch(() => {});
      throw error;
    }
    await sql.raw('commit').execute(connection);
    return result;
  });
}
