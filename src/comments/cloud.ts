/**
 * The comments cloud and the comments behind one of its terms. The cloud reads the term
 * summaries, never the comments: whole months from the monthly ones and the days of partly
 * covered months from the daily ones; for a reader of the whole business, the summaries
 * summed over every location (migration 0022), else the per-location ones of the locations
 * read. The comments of a term are found through comment_terms' primary key (client, term,
 * time).
 */
import { sql } from 'kysely';
import type { Access } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import type { Scale } from '../db/schema.ts';
import { readWithLagFallback } from '../db/replica.ts';
import { withAccessRead } from '../db/tenancy.ts';
import type { SentimentLabel } from './tables.ts';
import type { Cloud, CloudQuery, CommentItem, CommentsQuery } from './schemas.ts';
import { resolveLocations, resolvePeriod } from './scope.ts';
import { keywordKey } from './terms.ts';

export type CloudResult = { ok: true; cloud: Cloud } | { ok: false; reason: 'unknown_location' };

function locationFilter(column: string, ids: readonly string[] | null) {
  return ids === null ? sql`` : sql`and ${sql.ref(column)} = any(${[...ids]}::uuid[])`;
}

function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * A period as whole months and the days of the months it covers in part, with nothing
 * counted twice or taken away (labels are a least over the rows read, so only additions
 * keep them what the daily rows give). At most two partial months of daily rows.
 */
export function planTermPeriod(from: string, to: string): { months: { from: string; to: string } | null; days: { from: string; to: string }[] } {
  const firstWhole = from.endsWith('-01') ? from : `${addDays(`${from.slice(0, 7)}-01`, 32).slice(0, 7)}-01`;
  const afterTo = addDays(to, 1);
  const lastWholeEnd = afterTo.endsWith('-01') ? to : addDays(`${to.slice(0, 7)}-01`, -1);
  if (firstWhole > lastWholeEnd) return { months: null, days: [{ from, to }] };
  const days = [];
  if (from < firstWhole) days.push({ from, to: addDays(firstWhole, -1) });
  if (lastWholeEnd < to) days.push({ from: addDays(lastWholeEnd, 1), to });
  return { months: { from: firstWhole, to: `${lastWholeEnd.slice(0, 7)}-01` }, days };
}

/** The term summary rows of a period and scope, from the coarsest tables that give the same sums. */
function termRows(clientId: string, period: { from: string; to: string }, locations: readonly string[] | null) {
  const plan = planTermPeriod(period.from, period.to);
  const parts = [];
  const columns = sql`term, label, comments, sentiment_milli_sum, rating_percent_sum`;
  if (locations === null) {
    if (plan.months) {
      parts.push(sql`select ${columns} from comment_term_client_monthly
        where client_id = ${clientId} and month between ${plan.months.from}::date and ${plan.months.to}::date`);
    }
    for (const days of plan.days) {
      parts.push(sql`select ${columns} from comment_term_client_daily
        where client_id = ${clientId} and day between ${days.from}::date and ${days.to}::date`);
    }
  } else {
    if (plan.months) {
      parts.push(sql`select ${columns} from comment_term_monthly
        where client_id = ${clientId} and month between ${plan.months.from}::date and ${plan.months.to}::date ${locationFilter('location_id', locations)}`);
    }
    for (const days of plan.days) {
      parts.push(sql`select ${columns} from comment_term_daily
        where client_id = ${clientId} and day between ${days.from}::date and ${days.to}::date ${locationFilter('location_id', locations)}`);
    }
  }
  return sql.join(parts, sql` union all `);
}

/** A location made a moment ago may not have reached the read replica yet. */
const unknownLocation = (result: { ok: boolean; reason?: string }) => !result.ok && result.reason === 'unknown_location';

export async function findCloud(services: Services, access: Access, query: CloudQuery): Promise<CloudResult> {
  return readWithLagFallback(services, (db) => withAccessRead(db, access, async (trx) => {
    const period = await resolvePeriod(trx, access, query);
    const locations = await resolveLocations(trx, access, query.locationId);
    if (locations === 'unknown') return { ok: false, reason: 'unknown_location' } as const;
    const { rows } = await sql<{ term: string; label: string; comments: number; sentiment: number; rating: number }>`
      select term, min(label) as label, sum(comments)::int as comments,
        sum(sentiment_milli_sum)::float8 / sum(comments) / 1000 as sentiment,
        sum(rating_percent_sum)::float8 / sum(comments) as rating
      from (${termRows(access.clientId, period, locations)}) t
      group by term
      having sum(comments) >= ${query.minCount}
      order by sum(comments) desc, term
      limit ${query.limit}`.execute(trx);
    return {
      ok: true,
      cloud: {
        from: period.from,
        to: period.to,
        terms: rows.map((r) => ({
          term: r.term,
          label: r.label,
          kind: r.term.includes(' ') ? ('phrase' as const) : ('word' as const),
          comments: r.comments,
          averageSentiment: Math.round(r.sentiment * 1000) / 1000,
          averageRatingPercent: Math.round(r.rating * 10) / 10,
        })),
      },
    } as const;
  }), unknownLocation);
}

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: string } | null {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!at || !id || !/^[0-9a-f-]{36}$/.test(id)) return null;
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? null : { at: date, id };
}

export type CommentsResult = { ok: true; items: CommentItem[]; nextCursor: string | null } | { ok: false; reason: 'unknown_location' | 'invalid_cursor' };

/** The comments using a term (as the cloud keys it, or as a person writes it), newest first. */
export async function listCommentsWithTerm(services: Services, access: Access, query: CommentsQuery): Promise<CommentsResult> {
  const cursor = query.cursor ? decodeCursor(query.cursor) : null;
  if (query.cursor && !cursor) return { ok: false, reason: 'invalid_cursor' };
  const written = keywordKey(query.term.toLowerCase());
  const keys = [...new Set([query.term.toLowerCase(), ...(written.ok ? [written.key] : [])])];
  return readWithLagFallback(services, (db) => withAccessRead(db, access, async (trx) => {
    const period = await resolvePeriod(trx, access, query);
    const locations = await resolveLocations(trx, access, query.locationId);
    if (locations === 'unknown') return { ok: false, reason: 'unknown_location' } as const;
    const { rows } = await sql<{
      feedback_id: string; submitted_at: Date; comment: string; score: number; scale: Scale; sentiment: SentimentLabel; sentiment_milli: number; theme_ids: string[]; location_id: string; location_name: string;
    }>`
      select ct.feedback_id, ct.submitted_at, f.comment, f.score, f.scale, a.sentiment, a.sentiment_milli, a.theme_ids, ct.location_id, l.name as location_name
      from comment_terms ct
      join comment_analysis a on a.client_id = ct.client_id and a.feedback_id = ct.feedback_id
      join feedback f on f.client_id = ct.client_id and f.id = ct.feedback_id
      join locations l on l.client_id = ct.client_id and l.id = ct.location_id
      where ct.client_id = ${access.clientId} and ct.term = any(${keys}::text[])
        and ct.submitted_at >= (${period.from}::date)::timestamp at time zone ${period.timezone}
        and ct.submitted_at < (${period.to}::date + 1)::timestamp at time zone ${period.timezone}
        ${locationFilter('ct.location_id', locations)}
        ${cursor ? sql`and (ct.submitted_at, ct.feedback_id) < (${cursor.at}, ${cursor.id}::uuid)` : sql``}
      order by ct.submitted_at desc, ct.feedback_id desc
      limit ${query.limit + 1}`.execute(trx);
    const themes = new Map((await trx.selectFrom('comment_themes').select(['id', 'name']).where('client_id', '=', access.clientId).execute()).map((t) => [t.id, t.name]));
    const seen = new Set<string>();
    const unique = rows.filter((r) => (seen.has(r.feedback_id) ? false : (seen.add(r.feedback_id), true)));
    const page = unique.slice(0, query.limit);
    const last = rows.length > query.limit ? page[page.length - 1] : undefined;
    return {
      ok: true,
      items: page.map((r) => ({
        feedbackId: r.feedback_id,
        comment: r.comment,
        score: r.score,
        scale: r.scale,
        sentiment: r.sentiment,
        sentimentScore: r.sentiment_milli / 1000,
        themes: r.theme_ids.flatMap((id) => {
          const name = themes.get(id);
          return name ? [{ id, name }] : [];
        }),
        locationId: r.location_id,
        locationName: r.location_name,
        submittedAt: r.submitted_at.toISOString(),
      })),
      nextCursor: last ? encodeCursor(last.submitted_at, last.feedback_id) : null,
    } as const;
  }), unknownLocation);
}
