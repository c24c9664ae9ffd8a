/**
 * Writes comment analyses: a location-day's new comments at a time, by the job that keeps
 * the day's figures (update-daily-rollups, seconds after the feedback is stored), and in
 * batches for feedback stored before (the backfill, the demo). The summaries the cloud and
 * the theme trends read follow in the database (migration 0016's triggers).
 */
import { sql } from 'kysely';
import type { Scale } from '../db/schema.ts';
import type { ClientId, Trx } from '../db/tenancy.ts';
import { scales } from '../programmes/index.ts';
import { clientDayBounds } from '../reports/local-day.ts';
import { analyseComment, type ThemeMatcher } from './analyse-comment.ts';

export interface CommentToAnalyse {
  feedbackId: string;
  locationId: string;
  submittedAt: Date;
  /** The client's calendar day of submittedAt. */
  day: string;
  comment: string;
  scale: Scale;
  score: number;
}

export async function loadThemeMatchers(trx: Trx, clientId: ClientId): Promise<ThemeMatcher[]> {
  const rows = await trx.selectFrom('comment_themes').select(['id', 'term_keys']).where('client_id', '=', clientId).execute();
  return rows.map((r) => ({ id: r.id, termKeys: r.term_keys }));
}

function ratingPercent(scale: Scale, score: number): number {
  const { min, max } = scales[scale];
  return Math.max(0, Math.min(100, Math.round(((score - min) / (max - min)) * 100)));
}

function analysisRow(clientId: ClientId, c: CommentToAnalyse, themes: readonly ThemeMatcher[]) {
  const a = analyseComment(c.comment, themes);
  return {
    client_id: clientId,
    feedback_id: c.feedbackId,
    location_id: c.locationId,
    submitted_at: c.submittedAt,
    day: c.day,
    sentiment: a.sentiment,
    sentiment_milli: Math.round(a.score * 1000),
    rating_percent: ratingPercent(c.scale, c.score),
    theme_ids: a.themeIds,
    terms: a.terms.map((t) => t.key),
    term_labels: a.terms.map((t) => t.label),
  };
}

/**
 * Analyses comments and stores the analyses (comments without words are skipped).
 * `themes` may be given by a caller that already holds them.
 */
export async function recordCommentAnalyses(trx: Trx, clientId: ClientId, comments: readonly CommentToAnalyse[], themes?: readonly ThemeMatcher[]): Promise<number> {
  const withWords = comments.filter((c) => c.comment.trim() !== '');
  if (withWords.length === 0) return 0;
  const matchers = themes ?? (await loadThemeMatchers(trx, clientId));
  const rows = withWords.map((c) => analysisRow(clientId, c, matchers));
  await trx
    .insertInto('comment_analysis')
    .values(rows)
    .onConflict((oc) => oc.columns(['client_id', 'feedback_id']).doNothing())
    .execute();
  return rows.length;
}

/**
 * Analyses the comments of one location-day (the client's calendar) that have no analysis
 * yet. The rollup job calls it after recomputing the day, so it sees every feedback the
 * rollups counted; feedback that commits later queues the day's next job.
 *
 * Not done in the transaction that stores the feedback: there, each batch's terms were
 * upserted into the same hot summary rows (a day's common words), which was most of the
 * database's work per submission. Here one statement carries seconds of comments.
 */
export async function analyseDayComments(trx: Trx, clientId: ClientId, locationId: string, day: string): Promise<number> {
  const { start, end } = clientDayBounds(clientId, day);
  const { rows } = await sql<{ id: string; submitted_at: Date; comment: string; scale: Scale; score: number }>`
    select f.id, f.submitted_at, f.comment, f.scale, f.score
    from feedback f
    where f.client_id = ${clientId} and f.location_id = ${locationId}
      and f.submitted_at >= ${start} and f.submitted_at < ${end}
      and f.comment <> ''
      and not exists (select 1 from comment_analysis a where a.client_id = f.client_id and a.feedback_id = f.id)
    order by f.id`.execute(trx);
  return recordCommentAnalyses(
    trx,
    clientId,
    rows.map((r) => ({ feedbackId: r.id, locationId, submittedAt: r.submitted_at, day, comment: r.comment, scale: r.scale, score: r.score })),
  );
}

/**
 * Analyses up to `limit` of the client's comments that have no analysis yet, walking the
 * feedback by id from `afterId`. Returns where to go on from, or null when done.
 */
export async function analyseMissingComments(trx: Trx, clientId: ClientId, afterId: string | null, limit = 500): Promise<{ analysed: number; nextAfterId: string | null }> {
  const { rows } = await sql<{ id: string; location_id: string; submitted_at: Date; day: string; comment: string; scale: Scale; score: number; analysed: boolean }>`
    select f.id, f.location_id, f.submitted_at, (f.submitted_at at time zone c.timezone)::date::text as day, f.comment, f.scale, f.score,
      exists (select 1 from comment_analysis a where a.client_id = f.client_id and a.feedback_id = f.id) as analysed
    from feedback f join clients c on c.id = f.client_id
    where f.client_id = ${clientId} ${afterId ? sql`and f.id > ${afterId}` : sql``}
    order by f.id
    limit ${limit}`.execute(trx);
  const todo = rows.filter((r) => !r.analysed && r.comment.trim() !== '');
  const analysed = await recordCommentAnalyses(
    trx,
    clientId,
    todo.map((r) => ({ feedbackId: r.id, locationId: r.location_id, submittedAt: r.submitted_at, day: r.day, comment: r.comment, scale: r.scale, score: r.score })),
  );
  const last = rows[rows.length - 1];
  return { analysed, nextAfterId: rows.length === limit && last ? last.id : null };
}

/** Every comment of a client analysed, in the caller's transaction (the demo's bulk load). */
export async function analyseAllComments(trx: Trx, clientId: ClientId): Promise<number> {
  let total = 0;
  let after: string | null = null;
  do {
    const step: { analysed: number; nextAfterId: string | null } = await analyseMissingComments(trx, clientId, after, 1000);
    total += step.analysed;
    after = step.nextAfterId;
  } while (after);
  return total;
}

/**
 * Matches a batch of the client's analysed comments against its themes as they are now,
 * walking by feedback id. Only rows whose themes change are written (the database moves
 * them in the theme summaries).
 */
export async function retagComments(trx: Trx, clientId: ClientId, afterId: string | null, limit = 2000): Promise<{ changed: number; nextAfterId: string | null }> {
  const { rows } = await sql<{ feedback_id: string; changed: boolean }>`
    with batch as (
      select a.feedback_id, a.theme_ids,
        coalesce((select array_agg(t.id order by t.id) from comment_themes t where t.client_id = a.client_id and t.term_keys && a.terms), '{}') as fresh
      from comment_analysis a
      where a.client_id = ${clientId} ${afterId ? sql`and a.feedback_id > ${afterId}` : sql``}
      order by a.feedback_id
      limit ${limit}
    ), updated as (
      update comment_analysis a set theme_ids = b.fresh
      from batch b
      where a.client_id = ${clientId} and a.feedback_id = b.feedback_id
        and not (a.theme_ids @> b.fresh and b.fresh @> a.theme_ids)
      returning a.feedback_id
    )
    select b.feedback_id, exists (select 1 from updated u where u.feedback_id = b.feedback_id) as changed
    from batch b order by b.feedback_id`.execute(trx);
  const last = rows[rows.length - 1];
  return { changed: rows.filter((r) => r.changed).length, nextAfterId: rows.length === limit && last ? last.feedback_id : null };
}
