/**
 * Daily rollups: after feedback arrives, the job leaves exactly the figures a recount of the
 * raw feedback gives (per location, sub-measure, channel and the client's own calendar day);
 * recomputing or rebuilding changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, type TestClient } from '../../test/helpers/factories.ts';
import { giveFeedback } from '../../test/helpers/form.ts';
import { startTestHark, type TestHark } from '../../test/helpers/hark.ts';
import { testDatabaseKind } from '../../test/helpers/database.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import type { Db } from '../db/connect.ts';
import type { Channel } from '../db/schema.ts';
import { withClient, type ClientId } from '../db/tenancy.ts';
import { enqueueRollupUpdate, localDay, rebuildAllDailyRollups, recomputeDailyRollups, summariseRollups } from './index.ts';

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const QUEUE = 'update-daily-rollups';

interface Figures {
  responses: number;
  score_sum: number;
  score_histogram: number[];
  with_comment: number;
  contact_requested: number;
}

/** Rollup rows keyed "location | sub-measure | day | channel", in a stable order. */
type RollupMap = Record<string, Figures>;

function keyOf(row: { location_id: string; sub_measure_key: string; day: string; channel: string }): string {
  return `${row.location_id} | ${row.sub_measure_key} | ${row.day} | ${row.channel}`;
}

function sorted(map: RollupMap): RollupMap {
  return Object.fromEntries(Object.entries(map).sort(([x], [y]) => x.localeCompare(y)));
}

describe(`daily rollups (${testDatabaseKind})`, () => {
  let hark: TestHark;

  beforeAll(async () => {
    hark = await startTestHark();
  });
  afterAll(() => hark?.close());

  /** The client's rollups as stored, read as the owning role. */
  async function storedRollups(clientId: ClientId, db: Db = hark.services.db): Promise<RollupMap> {
    const rows = await db
      .selectFrom('feedback_daily_rollups')
      .select(['location_id', 'sub_measure_key', 'day', 'channel', 'responses', 'score_sum', 'score_histogram', 'with_comment', 'contact_requested'])
      .where('client_id', '=', clientId)
      .execute();
    const map: RollupMap = {};
    for (const r of rows) {
      map[keyOf(r)] = {
        responses: r.responses,
        score_sum: r.score_sum,
        score_histogram: r.score_histogram,
        with_comment: r.with_comment,
        contact_requested: r.contact_requested,
      };
    }
    return sorted(map);
  }

  /**
   * The same figures counted here, in TypeScript, from the raw feedback: the day from the
   * instant and the client's timezone (Intl, not the database), the histogram by hand.
   */
  async function recount(clientId: ClientId, db: Db = hark.services.db): Promise<RollupMap> {
    const client = await db.selectFrom('clients').select('timezone').where('id', '=', clientId).executeTakeFirstOrThrow();
    const feedback = await db
      .selectFrom('feedback')
      .select(['location_id', 'sub_measure_id', 'channel', 'score', 'comment', 'contact_requested', 'submitted_at'])
      .where('client_id', '=', clientId)
      .execute();
    const map: RollupMap = {};
    for (const f of feedback) {
      const key = keyOf({
        location_id: f.location_id,
        sub_measure_key: f.sub_measure_id ?? NIL_UUID,
        day: localDay(f.submitted_at, client.timezone),
        channel: f.channel,
      });
      const figures = (map[key] ??= {
        responses: 0,
        score_sum: 0,
        score_histogram: Array.from({ length: 11 }, () => 0),
        with_comment: 0,
        contact_requested: 0,
      });
      figures.responses += 1;
      figures.score_sum += f.score;
      figures.score_histogram[f.score] = (figures.score_histogram[f.score] ?? 0) + 1;
      if (f.comment !== '') figures.with_comment += 1;
      if (f.contact_requested) figures.contact_requested += 1;
    }
    return sorted(map);
  }

  /** Waits until the job has left rollups equal to the recount, then asserts it for a readable diff. */
  async function expectRollupsCaughtUp(clientId: ClientId, db: Db = hark.services.db): Promise<RollupMap> {
    await waitFor(
      async () => {
        const [stored, expected] = [await storedRollups(clientId, db), await recount(clientId, db)];
        return JSON.stringify(stored) === JSON.stringify(expected) ? true : undefined;
      },
      { what: 'rollups to match the raw feedback', timeoutMs: 20_000 },
    ).catch(() => undefined);
    const expected = await recount(clientId, db);
    expect(await storedRollups(clientId, db)).toEqual(expected);
    return expected;
  }

  /** Stores feedback at a given instant as the owner (the form always stamps "now"). */
  async function feedbackAt(client: TestClient, at: string, score: number, extra: { comment?: string; channel?: Channel; subMeasure?: boolean } = {}) {
    await hark.services.db
      .insertInto('feedback')
      .values({
        client_id: client.clientId,
        programme_id: client.programmeId,
        location_id: client.location.id,
        sub_measure_id: extra.subMeasure ? client.subMeasure.id : null,
        channel: extra.channel ?? 'web',
        scale: 'recommend_5',
        score,
        comment: extra.comment ?? '',
        submitted_at: at,
      })
      .execute();
  }

  /** Asks for a location-day's recomputation through the queue, as a feedback transaction does. */
  function enqueue(client: TestClient, day: string): Promise<void> {
    return withClient(hark.services.db, client.clientId, (trx) =>
      enqueueRollupUpdate(hark.services.jobs, trx, { clientId: client.clientId, locationId: client.location.id, day }),
    );
  }

  it('match a recount of feedback given over HTTP, per location, sub-measure, channel and day', async () => {
    const client = await createTestClient(hark.services);
    const answers: Array<[string, Record<string, string>]> = [
      [`/f/${client.location.code}`, { score: '5', comment: 'lovely' }],
      [`/f/${client.location.code}`, { score: '5' }],
      [`/f/${client.location.code}`, { score: '1', comment: 'cold', email: 'a@example.com', contact_requested: 'yes' }],
      [`/f/${client.location.code}`, { score: '3', via: 'qr' }],
      [`/f/${client.location.code}`, { score: '4', via: 'qr', comment: 'ok', mobile: '021 555 0101', contact_requested: 'yes' }],
      [`/f/${client.location.code}/${client.subMeasure.code}`, { score: '2', comment: 'slow' }],
      [`/f/${client.location.code}/${client.subMeasure.code}`, { score: '5' }],
      [`/f/${client.otherLocation.code}`, { score: '4' }],
    ];
    for (const [pathname, fields] of answers) {
      const response = await giveFeedback(hark, pathname, fields);
      expect(response.status, response.html).toBe(200);
    }
    const figures = await expectRollupsCaughtUp(client.clientId);

    // The recount is not vacuous: it holds what was sent.
    const today = localDay(new Date(), 'Pacific/Auckland');
    const rows = Object.entries(figures);
    expect(rows.reduce((n, [, f]) => n + f.responses, 0)).toBe(answers.length);
    const web = figures[keyOf({ location_id: client.location.id, sub_measure_key: NIL_UUID, day: today, channel: 'web' })];
    expect(web).toEqual({ responses: 3, score_sum: 11, score_histogram: [0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0], with_comment: 2, contact_requested: 1 });
    const qr = figures[keyOf({ location_id: client.location.id, sub_measure_key: NIL_UUID, day: today, channel: 'qr' })];
    expect(qr).toEqual({ responses: 2, score_sum: 7, score_histogram: [0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0], with_comment: 1, contact_requested: 1 });
    const staff = figures[keyOf({ location_id: client.location.id, sub_measure_key: client.subMeasure.id, day: today, channel: 'web' })];
    expect(staff?.responses).toBe(2);
    expect(figures[keyOf({ location_id: client.otherLocation.id, sub_measure_key: NIL_UUID, day: today, channel: 'web' })]?.responses).toBe(1);

    const summary = await withClient(hark.services.db, client.clientId, (trx) =>
      summariseRollups(trx, client.clientId, { from: today, to: today, locationId: client.location.id }),
    );
    expect(summary).toEqual({ responses: 7, scoreSum: 25, histogram: [0, 1, 1, 1, 1, 3, 0, 0, 0, 0, 0] });
  });

  it('counts feedback either side of local midnight on the client’s two calendar days, not the UTC day', async () => {
    const client = await createTestClient(hark.services, { timezone: 'Pacific/Auckland' });
    // Midnight starting 11 March 2026 in Auckland (NZDT, UTC+13) is 11:00 on 10 March UTC:
    // both instants below are on 10 March in UTC.
    await feedbackAt(client, '2026-03-10T10:59:59.999999Z', 2, { comment: 'late night' });
    await feedbackAt(client, '2026-03-10T11:00:00.000000Z', 5);
    await feedbackAt(client, '2026-03-10T11:00:00.000001Z', 4, { channel: 'qr' });
    await enqueue(client, '2026-03-10');
    await enqueue(client, '2026-03-11');
    const figures = await expectRollupsCaughtUp(client.clientId);
    const at = (day: string, channel: Channel) => figures[keyOf({ location_id: client.location.id, sub_measure_key: NIL_UUID, day, channel })];
    expect(at('2026-03-10', 'web')).toMatchObject({ responses: 1, score_sum: 2, with_comment: 1 });
    expect(at('2026-03-11', 'web')).toMatchObject({ responses: 1, score_sum: 5, with_comment: 0 });
    expect(at('2026-03-11', 'qr')).toMatchObject({ responses: 1, score_sum: 4 });
    expect(Object.keys(figures)).toHaveLength(3);
  });

  it('follows daylight saving: the 25-hour and 23-hour days keep their own feedback', async () => {
    const client = await createTestClient(hark.services, { timezone: 'Pacific/Auckland' });
    // 5 April 2026 ends NZDT: 23:30 that evening is NZST (UTC+12), 11:30 UTC; at UTC+13 it would be 6 April.
    await feedbackAt(client, '2026-04-05T11:30:00Z', 3);
    // 27 September 2026 starts NZDT: 11:30 UTC is 00:30 on 28 September (UTC+13); at UTC+12 it would be 27 September.
    await feedbackAt(client, '2026-09-27T11:30:00Z', 4);
    await enqueue(client, '2026-04-05');
    await enqueue(client, '2026-09-28');
    const figures = await expectRollupsCaughtUp(client.clientId);
    expect(Object.keys(figures).map((k) => k.split(' | ')[2]).sort()).toEqual(['2026-04-05', '2026-09-28']);
  });

  it('uses each client’s own timezone', async () => {
    const client = await createTestClient(hark.services, { timezone: 'America/New_York' });
    // 03:30 UTC on 2 July is 23:30 on 1 July in New York (EDT, UTC-4).
    await feedbackAt(client, '2026-07-02T03:30:00Z', 5);
    await feedbackAt(client, '2026-07-02T04:00:00Z', 1);
    await enqueue(client, '2026-07-01');
    await enqueue(client, '2026-07-02');
    const figures = await expectRollupsCaughtUp(client.clientId);
    const at = (day: string) => figures[keyOf({ location_id: client.location.id, sub_measure_key: NIL_UUID, day, channel: 'web' })];
    expect(at('2026-07-01')?.score_sum).toBe(5);
    expect(at('2026-07-02')?.score_sum).toBe(1);
  });

  it('recomputes a day idempotently, and a rebuild of the whole client gives the same figures', async () => {
    const client = await createTestClient(hark.services, { timezone: 'Pacific/Auckland' });
    const days = ['2026-01-14', '2026-01-15', '2026-01-16'];
    let n = 0;
    for (const day of days) {
      for (let hour = 0; hour < 24; hour += 5) {
        n += 1;
        const at = new Date(`${day}T${String(hour).padStart(2, '0')}:17:00+13:00`).toISOString();
        await feedbackAt(client, at, (n % 5) + 1, { comment: n % 3 === 0 ? `c${n}` : '', subMeasure: n % 4 === 0, channel: n % 2 ? 'web' : 'qr' });
      }
    }
    for (const day of days) await enqueue(client, day);
    const expected = await expectRollupsCaughtUp(client.clientId);
    expect(Object.values(expected).reduce((sum, f) => sum + f.responses, 0)).toBe(n);

    // Running the same recomputation again, twice, changes nothing.
    for (let round = 0; round < 2; round++) {
      await withClient(hark.services.db, client.clientId, async (trx) => {
        for (const day of days) await recomputeDailyRollups(trx, client.clientId, client.location.id, day);
      });
      expect(await storedRollups(client.clientId)).toEqual(expected);
    }

    // A rebuild of everything, from empty, gives the same rows; so does rebuilding again.
    for (let round = 0; round < 2; round++) {
      await withClient(hark.services.db, client.clientId, (trx) => rebuildAllDailyRollups(trx, client.clientId));
      expect(await storedRollups(client.clientId)).toEqual(expected);
    }
  });

  it('repairs a damaged rollup on the next recomputation', async () => {
    const client = await createTestClient(hark.services);
    await feedbackAt(client, '2026-02-02T01:00:00Z', 5);
    await enqueue(client, '2026-02-02');
    const expected = await expectRollupsCaughtUp(client.clientId);
    await hark.services.db
      .updateTable('feedback_daily_rollups')
      .set({ responses: 40, score_sum: 1 })
      .where('client_id', '=', client.clientId)
      .execute();
    await hark.services.db
      .insertInto('feedback_daily_rollups')
      .values({
        client_id: client.clientId,
        location_id: client.location.id,
        sub_measure_key: NIL_UUID,
        day: '2026-02-02',
        channel: 'kiosk',
        responses: 3,
        score_sum: 3,
        score_histogram: [0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        with_comment: 0,
        contact_requested: 0,
      })
      .execute();
    await withClient(hark.services.db, client.clientId, (trx) => recomputeDailyRollups(trx, client.clientId, client.location.id, '2026-02-02'));
    expect(await storedRollups(client.clientId)).toEqual(expected);
  });

  it('ends a burst of simultaneous customers with figures equal to the recount', async () => {
    const burst = await startTestHark({ env: { HARK_SUBMIT_LIMIT_PER_IP: '1000', HARK_ROLLUP_POLL_SECONDS: '0.5' } });
    try {
      const client = await createTestClient(burst.services);
      const sent = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          giveFeedback(burst, i % 3 ? `/f/${client.location.code}` : `/f/${client.location.code}/${client.subMeasure.code}`, {
            score: String((i % 5) + 1),
            comment: i % 2 ? `burst ${randomBytes(2).toString('hex')}` : '',
          }),
        ),
      );
      expect(sent.map((r) => r.status)).toEqual(sent.map(() => 200));
      expect(await burst.services.jobs.drained(QUEUE, 20_000)).toBe(true);
      const figures = await expectRollupsCaughtUp(client.clientId, burst.services.db);
      expect(Object.values(figures).reduce((sum, f) => sum + f.responses, 0)).toBe(40);
    } finally {
      await burst.close();
    }
  });
});
