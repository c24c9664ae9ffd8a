/**
 * The rollup job: it recomputes the location-day it is given, as the application role of
 * that client only; and feedback whose update request was folded into a job already waiting
 * is counted even when a worker takes that job before the feedback's transaction commits.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, type TestClient } from '../../../test/helpers/factories.ts';
import { startTestHark, type TestHark } from '../../../test/helpers/hark.ts';
import { testDatabaseKind } from '../../../test/helpers/database.ts';
import { waitFor } from '../../../test/helpers/wait.ts';
import type { Db } from '../../db/connect.ts';
import { withClient, type Trx } from '../../db/tenancy.ts';
import { enqueueRollupUpdate, updateDailyRollupsJob } from '../index.ts';

const QUEUE = 'update-daily-rollups';
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

function insertFeedback(trx: Trx, client: TestClient, score: number, at: string) {
  return trx
    .insertInto('feedback')
    .values({
      client_id: client.clientId,
      programme_id: client.programmeId,
      location_id: client.location.id,
      channel: 'web',
      scale: 'recommend_5',
      score,
      submitted_at: at,
    })
    .execute();
}

async function rollupOf(db: Db, client: TestClient, day: string) {
  return db
    .selectFrom('feedback_daily_rollups')
    .select(['responses', 'score_sum'])
    .where('client_id', '=', client.clientId)
    .where('location_id', '=', client.location.id)
    .where('sub_measure_key', '=', NIL_UUID)
    .where('day', '=', day)
    .where('channel', '=', 'web')
    .executeTakeFirst();
}

describe(`update-daily-rollups job (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let a: TestClient;
  let b: TestClient;

  beforeAll(async () => {
    hark = await startTestHark({ role: 'web' });
    a = await createTestClient(hark.services, { name: 'Client A' });
    b = await createTestClient(hark.services, { name: 'Client B' });
  });
  afterAll(() => hark?.close());

  it('recomputes the location-day it names', async () => {
    await withClient(hark.services.db, a.clientId, (trx) => insertFeedback(trx, a, 4, '2026-06-01T01:00:00Z'));
    await updateDailyRollupsJob(hark.services, { clientId: a.clientId, locationId: a.location.id, day: '2026-06-01' });
    expect(await rollupOf(hark.services.db, a, '2026-06-01')).toEqual({ responses: 1, score_sum: 4 });
  });

  it('refuses a malformed payload before touching the database', async () => {
    await expect(updateDailyRollupsJob(hark.services, { clientId: a.clientId, locationId: a.location.id, day: '1 June' })).rejects.toThrow();
    await expect(updateDailyRollupsJob(hark.services, { clientId: "x' or true", locationId: a.location.id, day: '2026-06-01' })).rejects.toThrow();
    await expect(updateDailyRollupsJob(hark.services, null)).rejects.toThrow();
  });

  it('cannot read or write another client’s rollups, even with a forged payload', async () => {
    await withClient(hark.services.db, b.clientId, (trx) => insertFeedback(trx, b, 2, '2026-06-02T01:00:00Z'));
    await updateDailyRollupsJob(hark.services, { clientId: b.clientId, locationId: b.location.id, day: '2026-06-02' });
    const before = await rollupOf(hark.services.db, b, '2026-06-02');
    expect(before).toEqual({ responses: 1, score_sum: 2 });
    // Client A's id with client B's location: it runs as A, so B's feedback and rollups are invisible to it.
    await updateDailyRollupsJob(hark.services, { clientId: a.clientId, locationId: b.location.id, day: '2026-06-02' });
    expect(await rollupOf(hark.services.db, b, '2026-06-02')).toEqual(before);
    const planted = await hark.services.db
      .selectFrom('feedback_daily_rollups')
      .select('client_id')
      .where('location_id', '=', b.location.id)
      .where('client_id', '=', a.clientId)
      .execute();
    expect(planted).toEqual([]);
  });
});

// Two transactions at once need two connections: embedded PGlite has one, so there the
// feedback transaction always commits before any worker can read, and this race cannot happen.
describe.skipIf(testDatabaseKind === 'pglite')(`rollup update racing a feedback transaction (${testDatabaseKind})`, () => {
  let hark: TestHark;

  beforeAll(async () => {
    // No workers yet: the test starts one when the stage is set.
    hark = await startTestHark({ role: 'web' });
  });
  afterAll(() => hark?.close());

  it('counts feedback whose update was folded into a job that a worker took before the feedback committed', async () => {
    const db = hark.services.db;
    const client = await createTestClient(hark.services);
    const day = '2026-05-20';
    const update = { clientId: client.clientId, locationId: client.location.id, day };
    const jobsOfDay = () =>
      sql<{ id: string; state: string }>`select id, state from pgboss.job where name = ${QUEUE}
        and singleton_key = ${`${client.clientId}:${client.location.id}:${day}`} order by created_on`
        .execute(db)
        .then((r) => r.rows);

    // First feedback, committed: its job waits, since no worker runs.
    await withClient(db, client.clientId, async (trx) => {
      await insertFeedback(trx, client, 5, '2026-05-20T02:00:00Z');
      await enqueueRollupUpdate(hark.services.jobs, trx, update);
    });
    const [first] = await jobsOfDay();
    expect(first?.state).toBe('created');

    // Second feedback: its send is folded into the waiting job; its transaction stays open.
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let enqueued = () => {};
    const wasEnqueued = new Promise<void>((resolve) => (enqueued = resolve));
    const second = withClient(db, client.clientId, async (trx) => {
      await insertFeedback(trx, client, 1, '2026-05-20T03:00:00Z');
      await enqueueRollupUpdate(hark.services.jobs, trx, update);
      enqueued();
      await released;
    });
    let reached = '';
    try {
      await wasEnqueued;
      expect(await jobsOfDay()).toEqual([{ id: first?.id, state: 'created' }]);

      // A worker takes the waiting job now, while the second feedback is uncommitted. Wait
      // until it has either finished or is blocked waiting for the feedback transaction.
      await hark.services.jobs.work(QUEUE, { pollingIntervalSeconds: 0.5, batchSize: 20 }, (data) => updateDailyRollupsJob(hark.services, data));
      reached = await waitFor(
        async () => {
          const state = (await jobsOfDay()).find((j) => j.id === first?.id)?.state;
          const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_locks
            where locktype = 'advisory' and not granted
              and database = (select oid from pg_database where datname = current_database())`.execute(db);
          if (state === 'completed') return 'the job finished before the feedback committed';
          if (state === 'active' && (rows[0]?.n ?? 0) > 0) return 'the job waits for the feedback to commit';
          return undefined;
        },
        { what: 'the worker to take the waiting job' },
      );
    } finally {
      release();
      await second;
    }

    expect(await hark.services.jobs.drained(QUEUE, 15_000)).toBe(true);
    expect(await rollupOf(db, client, day), reached).toEqual({ responses: 2, score_sum: 6 });
    expect(reached).toBe('the job waits for the feedback to commit');
  });
});
