/**
 * Monthly rollups and rollups per location and day: the database keeps them equal to the
 * sums of the daily rollups (after feedback over HTTP, the job, a recomputation, a rebuild,
 * a repair), and dashboards read from them (whole months plus or minus the days at the
 * period's edges) give exactly the figures of the daily rollups alone, by day, week and month.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKind } from '../../test/helpers/database.ts';
import { createTestClient, uniqueCode, type TestClient } from '../../test/helpers/factories.ts';
import { giveFeedback } from '../../test/helpers/form.ts';
import { startTestHark, type TestHark } from '../../test/helpers/hark.ts';
import { addMembership, createUser } from '../accounts/index.ts';
import type { Channel } from '../db/schema.ts';
import { withClient, type ClientId } from '../db/tenancy.ts';
import { createLocation } from '../programmes/index.ts';
import { planRollups, trendBuckets } from './dashboard.ts';
import { enqueueRollupUpdate, rebuildAllDailyRollups, recomputeDailyRollups, updateDailyRollupsJob } from './index.ts';
import type { Dashboard } from './schemas.ts';
import { addHistogram, countResponses, netPromoterScore, type Estimate } from './statistics.ts';

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const QUEUE = 'update-daily-rollups';
const password = 'a long and unguessable passphrase 7';

let hark: TestHark;

beforeAll(async () => {
  hark = await startTestHark({ env: { HARK_LOGIN_LIMIT_PER_IP: '1000', HARK_SUBMIT_LIMIT_PER_IP: '1000' } });
});
afterAll(() => hark?.close());

type Figures = { responses: number; score_sum: number; score_histogram: number[]; with_comment: number; contact_requested: number };

/** The client's monthly rollups as stored, keyed "location | sub-measure | month | channel". */
async function storedMonths(clientId: ClientId): Promise<Record<string, Figures>> {
  const rows = await hark.services.db
    .selectFrom('feedback_monthly_rollups')
    .select(['location_id', 'sub_measure_key', 'month', 'channel', 'responses', 'score_sum', 'score_histogram', 'with_comment', 'contact_requested'])
    .where('client_id', '=', clientId)
    .orderBy('location_id')
    .orderBy('sub_measure_key')
    .orderBy('month')
    .orderBy('channel')
    .execute();
  return Object.fromEntries(
    rows.map((r) => [
      `${r.location_id} | ${r.sub_measure_key} | ${r.month} | ${r.channel}`,
      { responses: r.responses, score_sum: r.score_sum, score_histogram: r.score_histogram, with_comment: r.with_comment, contact_requested: r.contact_requested },
    ]),
  );
}

/** The daily rollups of the client summed per month here, in TypeScript. */
async function summedDays(clientId: ClientId): Promise<Record<string, Figures>> {
  const rows = await hark.services.db
    .selectFrom('feedback_daily_rollups')
    .select(['location_id', 'sub_measure_key', 'day', 'channel', 'responses', 'score_sum', 'score_histogram', 'with_comment', 'contact_requested'])
    .where('client_id', '=', clientId)
    .execute();
  const map: Record<string, Figures> = {};
  for (const r of rows) {
    const key = `${r.location_id} | ${r.sub_measure_key} | ${r.day.slice(0, 7)}-01 | ${r.channel}`;
    const f = (map[key] ??= { responses: 0, score_sum: 0, score_histogram: Array.from({ length: 11 }, () => 0), with_comment: 0, contact_requested: 0 });
    f.responses += r.responses;
    f.score_sum += r.score_sum;
    r.score_histogram.forEach((n, i) => (f.score_histogram[i] = (f.score_histogram[i] ?? 0) + n));
    f.with_comment += r.with_comment;
    f.contact_requested += r.contact_requested;
  }
  return Object.fromEntries(Object.entries(map).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

/** The client's rollups per location, day and channel as stored, keyed "location | day | channel". */
async function storedLocationDays(clientId: ClientId): Promise<Record<string, Figures>> {
  const rows = await hark.services.db
    .selectFrom('feedback_location_daily_rollups')
    .select(['location_id', 'day', 'channel', 'responses', 'score_sum', 'score_histogram', 'with_comment', 'contact_requested'])
    .where('client_id', '=', clientId)
    .execute();
  return Object.fromEntries(
    rows
      .map((r) => [
        `${r.location_id} | ${r.day} | ${r.channel}`,
        { responses: r.responses, score_sum: r.score_sum, score_histogram: r.score_histogram, with_comment: r.with_comment, contact_requested: r.contact_requested },
      ] as const)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
  );
}

/** The same, summed here from the daily rollups (over sub-measures). */
async function summedOverSubMeasures(clientId: ClientId): Promise<Record<string, Figures>> {
  const rows = await hark.services.db
    .selectFrom('feedback_daily_rollups')
    .select(['location_id', 'day', 'channel', 'responses', 'score_sum', 'score_histogram', 'with_comment', 'contact_requested'])
    .where('client_id', '=', clientId)
    .execute();
  const map: Record<string, Figures> = {};
  for (const r of rows) {
    const f = (map[`${r.location_id} | ${r.day} | ${r.channel}`] ??= {
      responses: 0,
      score_sum: 0,
      score_histogram: Array.from({ length: 11 }, () => 0),
      with_comment: 0,
      contact_requested: 0,
    });
    f.responses += r.responses;
    f.score_sum += r.score_sum;
    r.score_histogram.forEach((n, i) => (f.score_histogram[i] = (f.score_histogram[i] ?? 0) + n));
    f.with_comment += r.with_comment;
    f.contact_requested += r.contact_requested;
  }
  return Object.fromEntries(Object.entries(map).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

/** Asserts that the monthly and per-location-day rollups equal the sums of the daily ones; returns the months. */
async function expectMonthsEqualDays(clientId: ClientId): Promise<Record<string, Figures>> {
  const expected = await summedDays(clientId);
  expect(await storedMonths(clientId)).toEqual(expected);
  expect(await storedLocationDays(clientId)).toEqual(await summedOverSubMeasures(clientId));
  return expected;
}

async function feedbackAt(client: TestClient, at: string, score: number, extra: { channel?: Channel; subMeasure?: boolean; comment?: string } = {}) {
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

describe('planning a period over monthly rollups', () => {
  it('reads whole months from the monthly table and the cheaper side of each partial month from the daily one', () => {
    expect(planRollups('2025-01-01', '2025-12-31')).toEqual({ months: { from: '2025-01-01', to: '2025-12-01' }, days: [] });
    // 29 of January's 31 days: January less 1–2 January; 28 of May's: May less 29–31 May.
    expect(planRollups('2025-01-03', '2025-05-28')).toEqual({
      months: { from: '2025-01-01', to: '2025-05-01' },
      days: [
        { from: '2025-01-01', to: '2025-01-02', sign: -1 },
        { from: '2025-05-29', to: '2025-05-31', sign: -1 },
      ],
    });
    // 7 of January's days and 5 of April's: those days, and February and March whole.
    expect(planRollups('2025-01-25', '2025-04-05')).toEqual({
      months: { from: '2025-02-01', to: '2025-03-01' },
      days: [
        { from: '2025-01-25', to: '2025-01-31', sign: 1 },
        { from: '2025-04-01', to: '2025-04-05', sign: 1 },
      ],
    });
    expect(planRollups('2025-02-10', '2025-02-20')).toEqual({ months: null, days: [{ from: '2025-02-10', to: '2025-02-20', sign: 1 }] });
    expect(planRollups('2025-03-02', '2025-03-30')).toEqual({
      months: { from: '2025-03-01', to: '2025-03-01' },
      days: [
        { from: '2025-03-01', to: '2025-03-01', sign: -1 },
        { from: '2025-03-31', to: '2025-03-31', sign: -1 },
      ],
    });
    expect(planRollups('2024-02-29', '2024-03-01')).toEqual({
      months: null,
      days: [
        { from: '2024-02-29', to: '2024-02-29', sign: 1 },
        { from: '2024-03-01', to: '2024-03-01', sign: 1 },
      ],
    });
  });
});

describe(`monthly rollups kept by the database (${testDatabaseKind})`, () => {
  it('equal the sum of the daily rollups after feedback over HTTP, and after a rebuild', async () => {
    const client = await createTestClient(hark.services);
    for (const [pathname, fields] of [
      [`/f/${client.location.code}`, { score: '5', comment: 'lovely' }],
      [`/f/${client.location.code}`, { score: '2', email: 'a@example.com', contact_requested: 'yes' }],
      [`/f/${client.location.code}/${client.subMeasure.code}`, { score: '4' }],
      [`/f/${client.otherLocation.code}`, { score: '3', via: 'qr' }],
    ] as const) {
      const response = await giveFeedback(hark, pathname, fields);
      expect(response.status, response.html).toBe(200);
    }
    expect(await hark.services.jobs.drained(QUEUE, 15_000)).toBe(true);
    const months = await expectMonthsEqualDays(client.clientId);
    expect(Object.values(months).reduce((n, f) => n + f.responses, 0)).toBe(4);
    expect(Object.values(months).reduce((n, f) => n + f.contact_requested, 0)).toBe(1);

    for (let round = 0; round < 2; round++) {
      await withClient(hark.services.db, client.clientId, (trx) => rebuildAllDailyRollups(trx, client.clientId));
      expect(await storedMonths(client.clientId)).toEqual(months);
    }
  });

  it('keeps months right as feedback arrives on other days of the month, and across a month’s end', async () => {
    const client = await createTestClient(hark.services, { timezone: 'Pacific/Auckland' });
    const enqueue = (day: string) =>
      withClient(hark.services.db, client.clientId, (trx) =>
        enqueueRollupUpdate(hark.services.jobs, trx, { clientId: client.clientId, locationId: client.location.id, day }),
      );
    // 31 May 2026 23:30 in Auckland (NZST, UTC+12) is 11:30 UTC on 31 May; 1 June 00:30 is 12:30 UTC.
    await feedbackAt(client, '2026-05-31T11:30:00Z', 5, { comment: 'late' });
    await feedbackAt(client, '2026-05-31T12:30:00Z', 1);
    await enqueue('2026-05-31');
    await enqueue('2026-06-01');
    expect(await hark.services.jobs.drained(QUEUE, 15_000)).toBe(true);
    let months = await expectMonthsEqualDays(client.clientId);
    expect(Object.keys(months).map((k) => k.split(' | ')[2])).toEqual(['2026-05-01', '2026-06-01']);

    // More feedback later in June, on another day and another channel: June grows, May stays.
    await feedbackAt(client, '2026-06-14T01:00:00Z', 4, { channel: 'qr' });
    await feedbackAt(client, '2026-06-14T02:00:00Z', 3, { subMeasure: true });
    await enqueue('2026-06-14');
    expect(await hark.services.jobs.drained(QUEUE, 15_000)).toBe(true);
    months = await expectMonthsEqualDays(client.clientId);
    expect(Object.values(months).reduce((n, f) => n + f.responses, 0)).toBe(4);

    // Feedback removed from a day (as an erasure would): the month loses it on the next recomputation.
    await hark.services.db.deleteFrom('feedback').where('client_id', '=', client.clientId).where('score', '=', 1).execute();
    await updateDailyRollupsJob(hark.services, { clientId: client.clientId, locationId: client.location.id, day: '2026-06-01' });
    months = await expectMonthsEqualDays(client.clientId);
    expect(Object.values(months).reduce((n, f) => n + f.responses, 0)).toBe(3);
  });

  it('agrees when many days of one month are recomputed side by side', async () => {
    const client = await createTestClient(hark.services);
    const days = Array.from({ length: 8 }, (_, i) => `2026-08-${String(3 * i + 2).padStart(2, '0')}`);
    for (const [i, day] of days.entries()) {
      await feedbackAt(client, `${day}T00:30:00Z`, (i % 5) + 1, { channel: i % 2 ? 'qr' : 'web', subMeasure: i % 3 === 0 });
    }
    await Promise.all(days.map((day) => updateDailyRollupsJob(hark.services, { clientId: client.clientId, locationId: client.location.id, day })));
    const months = await expectMonthsEqualDays(client.clientId);
    expect(Object.values(months).reduce((n, f) => n + f.responses, 0)).toBe(days.length);
  });

  it('repairs damaged months and location-days on their next recomputation', async () => {
    const client = await createTestClient(hark.services);
    await feedbackAt(client, '2026-02-02T01:00:00Z', 5);
    await feedbackAt(client, '2026-02-20T01:00:00Z', 2);
    await withClient(hark.services.db, client.clientId, async (trx) => {
      await recomputeDailyRollups(trx, client.clientId, client.location.id, '2026-02-02');
      await recomputeDailyRollups(trx, client.clientId, client.location.id, '2026-02-20');
    });
    const expected = await expectMonthsEqualDays(client.clientId);
    await hark.services.db.updateTable('feedback_monthly_rollups').set({ responses: 40 }).where('client_id', '=', client.clientId).execute();
    await hark.services.db.updateTable('feedback_location_daily_rollups').set({ score_sum: 40 }).where('client_id', '=', client.clientId).execute();
    await withClient(hark.services.db, client.clientId, async (trx) => {
      await recomputeDailyRollups(trx, client.clientId, client.location.id, '2026-02-02');
      await recomputeDailyRollups(trx, client.clientId, client.location.id, '2026-02-20');
    });
    expect(await expectMonthsEqualDays(client.clientId)).toEqual(expected);
  });
});

describe(`month-bucketed dashboards from monthly rollups (${testDatabaseKind})`, () => {
  let client: TestClient;
  let owner: string;
  let manager: string;
  let archivedId: string;

  async function signIn(role: 'owner' | 'manager', locationScope: string[] | null = null): Promise<string> {
    const email = `${uniqueCode('person')}@example.com`;
    const userId = await createUser(hark.services.db, { email, name: 'Dana Test', password });
    await addMembership(hark.services.db, { clientId: client.clientId, userId, role, locationScope });
    const response = await hark.fetch('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0] ?? '').find((c) => c.startsWith('hark_session='));
    if (!cookie) throw new Error('no session cookie');
    return cookie;
  }

  async function dashboard(cookie: string, query: Record<string, string>): Promise<Dashboard> {
    const response = await hark.fetch(`/api/v1/dashboard?${new URLSearchParams(query)}`, { headers: { cookie } });
    const body = (await response.json()) as unknown;
    expect(response.status, JSON.stringify(body)).toBe(200);
    return body as Dashboard;
  }

  beforeAll(async () => {
    client = await createTestClient(hark.services, { scale: 'nps_10' });
    const archived = await createLocation(hark.services.db, client.clientId, { programmeId: client.programmeId, name: 'Old Wharf', code: uniqueCode('wharf') });
    archivedId = archived.id;
    await hark.services.db.updateTable('locations').set({ active: false, archived_at: new Date() }).where('id', '=', archivedId).execute();
    // Every day of January to June 2025: varied scores per location, staff member and channel.
    const rows = [];
    let seed = 7;
    const next = () => Math.floor((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 16) % 4;
    for (let day = new Date(Date.UTC(2025, 0, 1)); day < new Date(Date.UTC(2025, 6, 1)); day.setUTCDate(day.getUTCDate() + 1)) {
      const iso = day.toISOString().slice(0, 10);
      for (const [locationId, sub] of [
        [client.location.id, NIL_UUID],
        [client.location.id, client.subMeasure.id],
        [client.otherLocation.id, NIL_UUID],
      ] as const) {
        for (const channel of ['web', 'sms'] as const) {
          const histogram = Array.from({ length: 11 }, () => next());
          const responses = histogram.reduce((a, b) => a + b, 0);
          if (responses === 0) continue;
          rows.push({
            client_id: client.clientId,
            location_id: locationId,
            sub_measure_key: sub,
            day: iso,
            channel,
            responses,
            score_sum: histogram.reduce((sum, n, score) => sum + n * score, 0),
            score_histogram: histogram,
            with_comment: 0,
            contact_requested: 0,
          });
        }
      }
    }
    // The archived location has figures only on days that a period below takes away from its month.
    for (const day of ['2025-01-01', '2025-01-02', '2025-05-30']) {
      rows.push({
        client_id: client.clientId,
        location_id: archivedId,
        sub_measure_key: NIL_UUID,
        day,
        channel: 'kiosk' as const,
        responses: 2,
        score_sum: 10,
        score_histogram: [0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0],
        with_comment: 0,
        contact_requested: 0,
      });
    }
    await hark.services.db.insertInto('feedback_daily_rollups').values(rows).execute();
    await expectMonthsEqualDays(client.clientId);
    owner = await signIn('owner');
    manager = await signIn('manager', [client.location.id]);
  });

  const round = (e: Estimate | null) => e && { value: Math.round(e.value * 10) / 10 + 0, low: Math.round(e.low * 10) / 10 + 0, high: Math.round(e.high * 10) / 10 + 0 };

  /**
   * The dashboard's figures computed here from the daily rollups alone (read as the owning
   * role, for `locationIds`), in TypeScript: totals, channels, each trend bucket, and each
   * location's and staff member's responses and score.
   */
  async function fromDailyRollups(from: string, to: string, interval: 'day' | 'week' | 'month', locationIds: string[]) {
    const rows = await hark.services.db
      .selectFrom('feedback_daily_rollups')
      .select(['location_id', 'sub_measure_key', 'day', 'channel', 'score_histogram'])
      .where('client_id', '=', client.clientId)
      .where('location_id', 'in', locationIds)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .execute();
    const total: number[] = [];
    const channels = new Map<string, number>();
    const locations = new Map<string, number[]>();
    const staff = new Map<string, number[]>();
    for (const r of rows) {
      addHistogram(total, r.score_histogram);
      channels.set(r.channel, (channels.get(r.channel) ?? 0) + countResponses(r.score_histogram));
      locations.set(r.location_id, addHistogram(locations.get(r.location_id) ?? [], r.score_histogram));
      if (r.sub_measure_key !== NIL_UUID) staff.set(r.sub_measure_key, addHistogram(staff.get(r.sub_measure_key) ?? [], r.score_histogram));
    }
    const trend = trendBuckets(from, to, interval).map((bucket) => {
      const h: number[] = [];
      for (const r of rows) if (r.day >= bucket.start && r.day <= bucket.end) addHistogram(h, r.score_histogram);
      return { ...bucket, responses: countResponses(h), score: round(netPromoterScore(h)) };
    });
    const table = (m: Map<string, number[]>) =>
      Object.fromEntries([...m].map(([id, h]) => [id, { responses: countResponses(h), score: round(netPromoterScore(h)) }]));
    return {
      responses: countResponses(total),
      score: round(netPromoterScore(total)),
      channels: Object.fromEntries([...channels].filter(([, n]) => n > 0)),
      trend,
      locations: table(locations),
      subMeasures: table(staff),
    };
  }

  function figuresOf(d: Dashboard) {
    const table = (rows: { id: string; responses: number; score: Estimate | null }[]) =>
      Object.fromEntries(rows.filter((r) => r.responses > 0).map((r) => [r.id, { responses: r.responses, score: r.score }]));
    return {
      responses: d.responses,
      score: d.score,
      channels: Object.fromEntries(d.channels.filter((c) => c.responses > 0).map((c) => [c.channel, c.responses])),
      trend: d.trend,
      locations: table(d.locations),
      subMeasures: table(d.subMeasures),
    };
  }

  for (const [from, to] of [
    ['2025-01-03', '2025-05-28'], // both edges as the month less a few days
    ['2025-01-25', '2025-04-05'], // both edges as their own days
    ['2025-01-03', '2025-04-05'], // one of each
    ['2025-02-10', '2025-02-20'], // inside one month
    ['2025-03-02', '2025-03-30'], // one month less a day at each end
    ['2025-01-01', '2025-06-30'], // whole months only
  ] as const) {
    it(`gives the figures of the daily rollups for ${from} to ${to}, by day, week and month`, async () => {
      for (const [cookie, locationIds] of [
        [owner, [client.location.id, client.otherLocation.id, archivedId]],
        [manager, [client.location.id]],
      ] as const) {
        for (const interval of ['day', 'week', 'month'] as const) {
          const d = await dashboard(cookie, { from, to, interval });
          expect(d.interval).toBe(interval);
          expect(d.responses).toBeGreaterThan(0);
          expect(figuresOf(d), `${interval}, ${locationIds.length} locations`).toEqual(await fromDailyRollups(from, to, interval, [...locationIds]));
        }
      }
    });
  }

  it('lists a closed location only when the period has its figures', async () => {
    const names = (d: Dashboard) => d.locations.map((l) => l.name);
    for (const interval of ['day', 'week', 'month']) {
      expect(names(await dashboard(owner, { from: '2025-01-03', to: '2025-05-28', interval }))).not.toContain('Old Wharf');
      expect(names(await dashboard(owner, { from: '2025-01-02', to: '2025-05-28', interval }))).toContain('Old Wharf');
      expect(names(await dashboard(owner, { from: '2025-01-03', to: '2025-05-30', interval }))).toContain('Old Wharf');
    }
  });
});
