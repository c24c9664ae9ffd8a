/**
 * The job queue: a job exists exactly when the transaction that sent it commits; any number
 * of processes can start the queue at once on a new database; and stopping waits for work
 * already taken, so no job is left marked active and nothing runs on a closed pool.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../../test/helpers/database.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import { openDatabase, type DatabaseHandle } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { JobQueue, type QueueDefinition } from './queue.ts';

const testQueue: QueueDefinition = { name: 'test-queue', policy: 'standard', retryLimit: 0 };

interface Setup {
  database: TestDatabase;
  handles: DatabaseHandle[];
}

/** A new, migrated database and `count` connections to it (on PGlite: one, shared). */
async function freshDatabase(count: number): Promise<Setup> {
  const database = await createTestDatabase();
  const handles =
    testDatabaseKind === 'postgres'
      ? await Promise.all(Array.from({ length: count }, () => openDatabase({ databaseUrl: database.url, poolMax: 4 })))
      : [await openDatabase({})];
  await migrateToLatest((handles[0] as DatabaseHandle).db);
  return { database, handles };
}

async function teardown(setup: Setup | undefined): Promise<void> {
  if (!setup) return;
  await Promise.all(setup.handles.map((h) => h.close().catch(() => {})));
  await setup.database.drop();
}

async function jobStates(handle: DatabaseHandle, name: string): Promise<string[]> {
  const { rows } = await sql<{ state: string }>`select state::text as state from pgboss.job where name = ${name} order by created_on`.execute(handle.db);
  return rows.map((r) => r.state);
}

describe(`job queue (${testDatabaseKind})`, () => {
  let setup: Setup;
  let queue: JobQueue;

  beforeAll(async () => {
    setup = await freshDatabase(1);
    queue = new JobQueue((setup.handles[0] as DatabaseHandle).pool, { supervise: false });
    await queue.start([testQueue]);
  });
  afterAll(async () => {
    await queue?.stop();
    await teardown(setup);
  });

  it('keeps a job only if the transaction that sent it commits', async () => {
    const handle = setup.handles[0] as DatabaseHandle;
    class Rollback extends Error {}
    await expect(
      handle.db.transaction().execute(async (trx) => {
        await queue.sendInTransaction(trx, testQueue.name, { n: 1 });
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect(await jobStates(handle, testQueue.name)).toEqual([]);

    const id = await handle.db.transaction().execute((trx) => queue.sendInTransaction(trx, testQueue.name, { n: 2 }));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await jobStates(handle, testQueue.name)).toEqual(['created']);
  });

  it('lets the application role send a job but not read or change the queue', async () => {
    const handle = setup.handles[0] as DatabaseHandle;
    const id = await handle.db.transaction().execute(async (trx) => {
      await sql`select set_config('role', 'hark_app', true)`.execute(trx);
      return queue.sendInTransaction(trx, testQueue.name, { n: 3 });
    });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await expect(
      handle.db.transaction().execute(async (trx) => {
        await sql`select set_config('role', 'hark_app', true)`.execute(trx);
        await sql`select data from pgboss.job`.execute(trx);
      }),
    ).rejects.toThrow(/permission denied/);
    await expect(
      handle.db.transaction().execute(async (trx) => {
        await sql`select set_config('role', 'hark_app', true)`.execute(trx);
        await sql`update pgboss.job set state = 'completed'`.execute(trx);
      }),
    ).rejects.toThrow(/permission denied/);
  });

  it("gives a queue's jobs its expiry, also to a queue made before it had one, keeping its policy", async () => {
    const handle = setup.handles[0] as DatabaseHandle;
    const name = 'expiring-queue';
    await queue.start([{ name, policy: 'short' }]);
    // The next start (an upgrade) names an expiry: the queue takes it on.
    const upgraded = new JobQueue(handle.pool, { supervise: false });
    await upgraded.start([{ name, policy: 'short', expireInSeconds: 60 }]);
    await upgraded.stop();
    const { rows } = await sql<{ policy: string; expire_seconds: number | null }>`select policy, expire_seconds from pgboss.queue where name = ${name}`.execute(handle.db);
    expect(rows).toEqual([{ policy: 'short', expire_seconds: 60 }]);
    await handle.db.transaction().execute((trx) => queue.sendInTransaction(trx, name, {}));
    const job = await sql<{ seconds: number }>`select extract(epoch from expire_in)::int as seconds from pgboss.job where name = ${name}`.execute(handle.db);
    // Without an expiry, pg-boss waits 15 minutes before it retries the job of a worker that died.
    expect(job.rows).toEqual([{ seconds: 60 }]);
  });
});

describe(`starting the job queue (${testDatabaseKind})`, () => {
  let setup: Setup | undefined;
  const queues: JobQueue[] = [];

  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.stop().catch(() => {})));
    await teardown(setup);
    setup = undefined;
  });

  it('succeeds in every one of several processes starting at once on a new database', async () => {
    setup = await freshDatabase(4);
    const handles = setup.handles;
    for (let i = 0; i < 4; i++) queues.push(new JobQueue((handles[i % handles.length] as DatabaseHandle).pool, { supervise: i === 0 }));
    const outcomes = await Promise.allSettled(queues.map((q) => q.start([testQueue, { name: 'test-other', policy: 'short' }])));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? 'started' : String(o.reason)))).toEqual(['started', 'started', 'started', 'started']);

    // And the queue works: a job sent through one process is done by a worker of another.
    const done: number[] = [];
    await (queues[3] as JobQueue).work<{ n: number }>(testQueue.name, { pollingIntervalSeconds: 0.5, batchSize: 5 }, async (data) => {
      done.push(data.n);
    });
    const first = handles[0] as DatabaseHandle;
    await first.db.transaction().execute((trx) => (queues[0] as JobQueue).sendInTransaction(trx, testQueue.name, { n: 7 }));
    await waitFor(async () => (done.length > 0 ? true : undefined), { what: 'the job to be done' });
    expect(done).toEqual([7]);
  });
});

// Holding the job table locked from a second connection needs a second connection: PostgreSQL only.
describe.skipIf(testDatabaseKind === 'pglite')(`stopping the job queue (${testDatabaseKind})`, () => {
  let setup: Setup | undefined;

  afterEach(async () => {
    await teardown(setup);
    setup = undefined;
  });

  it('waits for a fetch still in flight, runs what it took, and leaves no job active', async () => {
    setup = await freshDatabase(1);
    const handle = setup.handles[0] as DatabaseHandle;
    const queue = new JobQueue(handle.pool, { supervise: false });
    await queue.start([testQueue]);
    await handle.db.transaction().execute((trx) => queue.sendInTransaction(trx, testQueue.name, { n: 1 }));

    // Block the worker's fetch: it must update the job table, which this lock holds off.
    const blocker = new pg.Client({ connectionString: setup.database.url });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table pgboss.job in share mode');
      const done: number[] = [];
      await queue.work<{ n: number }>(testQueue.name, { pollingIntervalSeconds: 0.5, batchSize: 1 }, async (data) => {
        done.push(data.n);
      });
      await waitFor(
        async () => {
          const { rows } = await blocker.query<{ n: number }>(
            `select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'job' and not l.granted`,
          );
          return (rows[0]?.n ?? 0) > 0 ? true : undefined;
        },
        { what: 'the worker’s fetch to wait for the lock' },
      );

      // Stop while the fetch waits. Hark closes the pool as soon as stop() returns: do the same.
      const stopping = queue.stop();
      const raced = await Promise.race([stopping.then(() => 'returned'), delay(1_500).then(() => 'waiting')]);
      const closing = raced === 'returned' ? handle.close() : undefined;
      await blocker.query('commit');
      await stopping;
      await (closing ?? handle.close());
      setup.handles = [];

      expect(raced, 'stop() returned while a fetch was still in flight').toBe('waiting');
      expect(done).toEqual([1]);
      const { rows } = await blocker.query<{ state: string }>(`select state::text as state from pgboss.job where name = $1`, [testQueue.name]);
      expect(rows.map((r) => r.state)).toEqual(['completed']);
    } finally {
      await blocker.end();
    }
  });
});
