/**
 * Pipelined transactions: statements issued together keep their order and their
 * transaction, a failure undoes all of them, and nothing issued after the end runs.
 */
import { randomBytes } from 'node:crypto';
import { sql, type Generated, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../../test/helpers/database.ts';
import { openDatabase, type DatabaseHandle } from './connect.ts';
import { pipelinedTransaction, TransactionEndedError, TransactionRolledBackError } from './pipelined-transaction.ts';

describe(`pipelined transactions (${testDatabaseKind})`, () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  const table = `pipelined_${randomBytes(4).toString('hex')}`;
  const rows = async () => {
    const { rows: found } = await sql<{ n: number }>`select n from ${sql.table(table)} order by n`.execute(handle.db);
    return found.map((r) => r.n);
  };
  const insert = (db: DatabaseHandle['db'], n: number | ReturnType<typeof sql>) => sql`insert into ${sql.table(table)} (n) values (${n})`.execute(db);

  beforeAll(async () => {
    database = await createTestDatabase();
    handle = await openDatabase({ databaseUrl: database.url });
    await sql`create table ${sql.table(table)} (n int not null)`.execute(handle.db);
  });

  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it('opens every pooled connection in pipeline mode', async () => {
    const client = await handle.pool.connect();
    try {
      expect(client.pipeline).toBe(true);
    } finally {
      client.release();
    }
  });

  it('sends statements in the order they were issued, whichever kind of Kysely query they are', async () => {
    const steps = `${table}_steps`;
    await sql`create table ${sql.table(steps)} (seq bigserial primary key, step text not null)`.execute(handle.db);
    await sql.raw(`create function ${steps}_log(step text) returns int language sql volatile as $$ insert into ${steps} (step) values (step) returning 1 $$`).execute(handle.db);
    // A subquery, so that it runs once per statement however many rows there are.
    const log = (step: string) => sql<number>`(select ${sql.raw(`${steps}_log`)}(${step}))`;
    await pipelinedTransaction(handle.db, 'begin', async (trx) => {
      const any = trx as unknown as Kysely<Record<string, { seq: Generated<number>; step: string }>>;
      await Promise.all([
        sql`select ${log('raw')} as x`.execute(trx),
        any.insertInto(steps).values({ step: 'insertInto' }).execute(),
        any.selectNoFrom(log('selectNoFrom').as('x')).executeTakeFirst(),
        any.updateTable(steps).set({ step: sql`step` }).where(log('updateTable'), '=', 0).execute(),
        any.selectFrom(steps).select('seq').where(log('selectFrom'), '=', 0).execute(),
        any.deleteFrom(steps).where(log('deleteFrom'), '=', 0).executeTakeFirst(),
        sql`select ${log('raw again')} as x`.execute(trx),
      ]);
    });
    const { rows: seen } = await sql<{ step: string }>`select step from ${sql.table(steps)} order by seq`.execute(handle.db);
    expect(seen.map((r) => r.step)).toEqual(['raw', 'insertInto', 'selectNoFrom', 'updateTable', 'selectFrom', 'deleteFrom', 'raw again']);
  });

  it('fails when a statement failed inside it, though work caught the error', async () => {
    await sql`truncate ${sql.table(table)}`.execute(handle.db);
    await expect(
      pipelinedTransaction(handle.db, 'begin', async (trx) => {
        await insert(trx, 1);
        await insert(trx, sql`1 / 0`).catch(() => {});
      }),
    ).rejects.toBeInstanceOf(TransactionRolledBackError);
    expect(await rows()).toEqual([]);
  });

  it('fails the same way on a Kysely instance bound to one connection, whose statements go one at a time', async () => {
    await sql`truncate ${sql.table(table)}`.execute(handle.db);
    await handle.db.connection().execute(async (connection) => {
      await expect(
        pipelinedTransaction(connection, 'begin', async (trx) => {
          await insert(trx, 1);
          await insert(trx, sql`1 / 0`).catch(() => {});
        }),
      ).rejects.toBeInstanceOf(TransactionRolledBackError);
    });
    expect(await rows()).toEqual([]);
  });

  it('leaves no transaction open on its connection when begin fails half way', async () => {
    await expect(pipelinedTransaction(handle.db, 'begin; select 1 / 0', async () => undefined)).rejects.toThrow(/division by zero/);
    // Every connection of the pool is usable afterwards (PGlite has one, PostgreSQL a few).
    await Promise.all(Array.from({ length: 12 }, () => insert(handle.db, 5)));
    expect((await rows()).filter((n) => n === 5)).toHaveLength(12);
  });

  it('runs statements issued together in the order issued, each seeing those before it', async () => {
    await sql`truncate ${sql.table(table)}`.execute(handle.db);
    const [, second, seen] = await pipelinedTransaction(handle.db, 'begin', (trx) =>
      Promise.all([
        insert(trx, 1),
        sql<{ n: number }>`insert into ${sql.table(table)} (n) select count(*) + 1 from ${sql.table(table)} returning n`.execute(trx),
        sql<{ ns: number[] }>`select array_agg(n order by n) as ns from ${sql.table(table)}`.execute(trx),
      ]),
    );
    expect(second.rows[0]?.n).toBe(2);
    expect(seen.rows[0]?.ns).toEqual([1, 2]);
    expect(await rows()).toEqual([1, 2]);
  });

  it('undoes every statement of the transaction when one issued with them fails', async () => {
    await sql`truncate ${sql.table(table)}`.execute(handle.db);
    await expect(
      pipelinedTransaction(handle.db, 'begin', (trx) => Promise.all([insert(trx, 1), insert(trx, sql`1 / 0`), insert(trx, 3)])),
    ).rejects.toThrow(/division by zero/);
    expect(await rows()).toEqual([]);
  });

  it('refuses a statement issued after its transaction failed, so that it cannot run on its own', async () => {
    await sql`truncate ${sql.table(table)}`.execute(handle.db);
    let late: Promise<unknown> | undefined;
    await expect(
      pipelinedTransaction(handle.db, 'begin', (trx) =>
        Promise.all([
          insert(trx, sql`1 / 0`),
          // A branch that goes on after the failure, once the rollback has been sent.
          (late = new Promise((resolve) => setTimeout(resolve, 100)).then(() => insert(trx, 7))),
        ]),
      ),
    ).rejects.toThrow(/division by zero/);
    await expect(late).rejects.toBeInstanceOf(TransactionEndedError);
    expect(await rows()).toEqual([]);
  });

  it('refuses a statement issued after its transaction committed', async () => {
    await sql`truncate ${sql.table(table)}`.execute(handle.db);
    let late: Promise<unknown> | undefined;
    await pipelinedTransaction(handle.db, 'begin', async (trx) => {
      await insert(trx, 1);
      late = new Promise((resolve) => setTimeout(resolve, 50)).then(() => insert(trx, 8));
    });
    await expect(late).rejects.toBeInstanceOf(TransactionEndedError);
    expect(await rows()).toEqual([1]);
  });
});
