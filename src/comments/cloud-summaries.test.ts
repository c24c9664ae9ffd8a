/**
 * The cloud reads whole months from the monthly term summaries and, for a reader of the
 * whole business, the summaries summed over every location (migration 0022). Whatever it
 * reads, it must give what adding up the daily per-location rows gives: the same terms,
 * counts, averages and labels, for any period and scope, also after analyses are removed.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Access } from '../accounts/index.ts';
import { withClient } from '../db/tenancy.ts';
import { testDatabaseKind } from '../../test/helpers/database.ts';
import { createTestClient, type TestClient } from '../../test/helpers/factories.ts';
import { startTestHark, type TestHark } from '../../test/helpers/hark.ts';
import { findCloud, planTermPeriod } from './cloud.ts';
import { recordCommentAnalyses } from './record-analysis.ts';
import { extractTerms } from './terms.ts';

const comments = [
  'The queue took forever',
  'Long queues again, slow service',
  'Queued for ages but lovely staff',
  'Great coffee and friendly staff',
  'Cold coffee and a long wait',
  'Lovely staff, great coffee, will be back',
  'The toilets were dirty',
];

describe(`the cloud from coarser term summaries (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let client: TestClient;
  let owner: Access;
  const feedbackIds: string[] = [];

  beforeAll(async () => {
    hark = await startTestHark({ role: 'web' });
    client = await createTestClient(hark.services, { timezone: 'UTC' });
    owner = { clientId: client.clientId, userId: randomUUID(), role: 'owner', locationIds: null };
    // Feedback on days across three months and both locations, analysed as the backfill does.
    const days = ['2025-01-30', '2025-01-31', '2025-02-01', '2025-02-14', '2025-02-28', '2025-03-01', '2025-03-02', '2025-03-31', '2025-04-01'];
    const rows = days.flatMap((day, d) =>
      comments.map((comment, c) => ({
        id: randomUUID(),
        locationId: (d + c) % 3 === 0 ? client.otherLocation.id : client.location.id,
        submittedAt: new Date(`${day}T${String(8 + (c % 10)).padStart(2, '0')}:00:00Z`),
        day,
        comment,
        score: 1 + ((d + c) % 5),
      })),
    );
    await withClient(hark.services.db, client.clientId, async (trx) => {
      await trx
        .insertInto('feedback')
        .values(rows.map((r) => ({ client_id: client.clientId, id: r.id, programme_id: client.programmeId, location_id: r.locationId, channel: 'web' as const, scale: 'recommend_5' as const, score: r.score, comment: r.comment, submitted_at: r.submittedAt })))
        .execute();
      // Two statements, as ingest and the backfill write them: one row, then many.
      const [first, ...rest] = rows.map((r) => ({ feedbackId: r.id, locationId: r.locationId, submittedAt: r.submittedAt, day: r.day, comment: r.comment, scale: 'recommend_5' as const, score: r.score }));
      if (first) await recordCommentAnalyses(trx, client.clientId, [first]);
      await recordCommentAnalyses(trx, client.clientId, rest);
    });
    feedbackIds.push(...rows.map((r) => r.id));
  });

  afterAll(async () => {
    await hark?.close();
  });

  /** The cloud as the daily per-location rows give it (the query the cloud ran before 0022). */
  async function fromDailyRows(from: string, to: string, locations: readonly string[] | null) {
    const { rows } = await sql<{ term: string; label: string; comments: number; sentiment: number; rating: number }>`
      select term, min(label) as label, sum(comments)::int as comments,
        sum(sentiment_milli_sum)::float8 / sum(comments) / 1000 as sentiment,
        sum(rating_percent_sum)::float8 / sum(comments) as rating
      from comment_term_daily
      where client_id = ${client.clientId} and day between ${from}::date and ${to}::date
        ${locations ? sql`and location_id = any(${[...locations]}::uuid[])` : sql``}
      group by term having sum(comments) >= 1 order by sum(comments) desc, term limit 200`.execute(hark.services.db);
    return rows.map((r) => ({
      term: r.term,
      label: r.label,
      kind: r.term.includes(' ') ? 'phrase' : 'word',
      comments: r.comments,
      averageSentiment: Math.round(r.sentiment * 1000) / 1000,
      averageRatingPercent: Math.round(r.rating * 10) / 10,
    }));
  }

  const periods: [string, string][] = [
    ['2025-01-01', '2025-12-31'],
    ['2025-02-01', '2025-02-28'],
    ['2025-01-31', '2025-03-01'],
    ['2025-01-30', '2025-04-01'],
    ['2025-02-14', '2025-02-14'],
    ['2025-02-15', '2025-03-31'],
    ['2024-12-01', '2025-01-30'],
    ['2025-01-30', '2025-01-30'],
  ];

  async function expectSameAsDaily() {
    const manager: Access = { ...owner, role: 'manager', locationIds: [client.location.id] };
    for (const [from, to] of periods) {
      for (const [access, asked] of [
        [owner, undefined],
        [owner, client.otherLocation.id],
        [manager, undefined],
      ] as const) {
        const result = await findCloud(hark.services, access, { from, to, minCount: 1, limit: 200, ...(asked ? { locationId: asked } : {}) });
        if (!result.ok) throw new Error(result.reason);
        const locations = asked ? [asked] : access.locationIds;
        expect(result.cloud.terms, `${from}..${to}, ${access.role}${asked ? ' at one location' : ''}`).toEqual(await fromDailyRows(from, to, locations));
      }
    }
  }

  async function termRowsOf(locationId: string): Promise<number> {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from comment_terms where client_id = ${client.clientId} and location_id = ${locationId}`.execute(hark.services.db);
    return rows[0]!.n;
  }

  async function termRowsWithoutAnalysis(): Promise<number> {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from comment_terms t where t.client_id = ${client.clientId}
      and not exists (select 1 from comment_analysis a where a.client_id = t.client_id and a.feedback_id = t.feedback_id and t.term = any(a.terms))`.execute(hark.services.db);
    return rows[0]!.n;
  }

  it('plans whole months and the days of partly covered months, never subtracting', () => {
    expect(planTermPeriod('2025-01-01', '2025-12-31')).toEqual({ months: { from: '2025-01-01', to: '2025-12-01' }, days: [] });
    expect(planTermPeriod('2025-01-31', '2025-03-01')).toEqual({
      months: { from: '2025-02-01', to: '2025-02-01' },
      days: [{ from: '2025-01-31', to: '2025-01-31' }, { from: '2025-03-01', to: '2025-03-01' }],
    });
    expect(planTermPeriod('2025-02-14', '2025-02-20')).toEqual({ months: null, days: [{ from: '2025-02-14', to: '2025-02-20' }] });
    expect(planTermPeriod('2024-02-01', '2024-02-29')).toEqual({ months: { from: '2024-02-01', to: '2024-02-01' }, days: [] });
    expect(planTermPeriod('2025-12-15', '2026-01-31')).toEqual({ months: { from: '2026-01-01', to: '2026-01-01' }, days: [{ from: '2025-12-15', to: '2025-12-31' }] });
  });

  it('gives what the daily per-location rows give, for whole and partial months, the whole business and a scope', async () => {
    const terms = await fromDailyRows('2025-01-30', '2025-01-30', null);
    expect(terms.find((t) => t.term === 'queue')?.label).toBe('queue');
    await expectSameAsDaily();
  });

  it('still does after analyses are removed, labels included', async () => {
    // Clearing a comment drops its analysis (migration 0016). On 30 January "queue" was
    // written at one location and "queues" at the other: the first location's row goes, so
    // the label over every location becomes "queues".
    await withClient(hark.services.db, client.clientId, (trx) =>
      trx.updateTable('feedback').set({ comment: '' }).where('client_id', '=', client.clientId).where('comment', '=', 'The queue took forever').execute(),
    );
    const terms = await fromDailyRows('2025-01-30', '2025-01-30', null);
    expect(terms.find((t) => t.term === 'queue')?.label).toBe('queues');
    await expectSameAsDaily();
    // The comments behind a term lose it too (comment_terms rows go with their analysis, migration 0024).
    expect(await termRowsWithoutAnalysis()).toBe(0);
    expect(await termRowsOf(client.location.id)).toBeGreaterThan(0);
    // Every analysis of one location gone: its rows leave the coarser summaries too.
    const otherBefore = await termRowsOf(client.otherLocation.id);
    expect(otherBefore).toBeGreaterThan(0);
    const locationBefore = await termRowsOf(client.location.id);
    await withClient(hark.services.db, client.clientId, (trx) => trx.deleteFrom('comment_analysis').where('client_id', '=', client.clientId).where('location_id', '=', client.otherLocation.id).execute());
    await expectSameAsDaily();
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from comment_term_monthly where client_id = ${client.clientId} and location_id = ${client.otherLocation.id}`.execute(hark.services.db);
    expect(rows[0]?.n).toBe(0);
    expect(await termRowsOf(client.otherLocation.id)).toBe(0);
    expect(await termRowsOf(client.location.id)).toBe(locationBefore);
    expect(await termRowsWithoutAnalysis()).toBe(0);
  });

  it('analyses a comment whose term row outlived an earlier analysis, keeping every term once', async () => {
    // Migration 0026 writes terms with a plain insert; a row already there (none should be)
    // must not fail the day's job.
    const id = randomUUID();
    const submittedAt = new Date('2025-03-15T10:00:00Z');
    const comment = 'Friendly staff and great coffee';
    const keys = extractTerms(comment).map((t) => t.key);
    expect(keys.length).toBeGreaterThan(1);
    await withClient(hark.services.db, client.clientId, async (trx) => {
      await trx
        .insertInto('feedback')
        .values({ client_id: client.clientId, id, programme_id: client.programmeId, location_id: client.location.id, channel: 'web', scale: 'recommend_5', score: 5, comment, submitted_at: submittedAt })
        .execute();
      await trx.insertInto('comment_terms').values({ client_id: client.clientId, term: keys[0]!, submitted_at: submittedAt, feedback_id: id, location_id: client.location.id }).execute();
      const analysed = await recordCommentAnalyses(trx, client.clientId, [{ feedbackId: id, locationId: client.location.id, submittedAt, day: '2025-03-15', comment, scale: 'recommend_5', score: 5 }]);
      expect(analysed).toBe(1);
    });
    const { rows } = await sql<{ term: string }>`select term from comment_terms where client_id = ${client.clientId} and feedback_id = ${id} order by term`.execute(hark.services.db);
    expect(rows.map((r) => r.term)).toEqual([...keys].sort());
    await expectSameAsDaily();
  });

  it('lets only a reader of the whole business read the summaries over every location', async () => {
    const seen = await withClient(hark.services.db, client.clientId, async (trx) => {
      await sql`select set_config('hark.location_scope', ${`{${client.location.id}}`}, true)`.execute(trx);
      const { rows } = await sql<{ n: number }>`select (select count(*) from comment_term_client_daily)::int + (select count(*) from comment_term_client_monthly)::int as n`.execute(trx);
      return rows[0]?.n;
    });
    expect(seen).toBe(0);
    const whole = await withClient(hark.services.db, client.clientId, async (trx) => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from comment_term_client_monthly`.execute(trx);
      return rows[0]?.n;
    });
    expect(whole).toBeGreaterThan(0);
  });
});
