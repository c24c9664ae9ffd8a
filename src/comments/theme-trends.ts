/** Theme counts and their average scores over time, for the dashboard, from comment_theme_daily. */
import { sql } from 'kysely';
import type { Access } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import { readWithLagFallback } from '../db/replica.ts';
import { withAccessRead } from '../db/tenancy.ts';
import type { ThemeTrend, TrendQuery } from './schemas.ts';
import { resolveLocations, resolvePeriod } from './scope.ts';

export type TrendResult = { ok: true; trend: ThemeTrend } | { ok: false; reason: 'unknown_location' };

function figures(comments: number, sentimentSum: number, ratingSum: number) {
  return {
    comments,
    averageSentiment: comments ? Math.round(sentimentSum / comments) / 1000 : null,
    averageRatingPercent: comments ? Math.round((ratingSum / comments) * 10) / 10 : null,
  };
}

export async function findThemeTrend(services: Services, access: Access, query: TrendQuery): Promise<TrendResult> {
  return readWithLagFallback(services, (db) => withAccessRead(db, access, async (trx) => {
    const asked = query.from || query.to ? query : { to: undefined, from: undefined };
    const period = await resolvePeriod(trx, access, asked);
    // Without a period the trend shows twelve intervals, not the cloud's 30 days.
    if (!query.from) {
      const back = { day: 29, week: 7 * 12 - 1, month: 365 }[query.interval];
      period.from = new Date(Date.parse(`${period.to}T00:00:00Z`) - back * 86_400_000).toISOString().slice(0, 10);
    }
    const locations = await resolveLocations(trx, access, query.locationId);
    if (locations === 'unknown') return { ok: false, reason: 'unknown_location' } as const;
    const themes = await trx.selectFrom('comment_themes').select(['id', 'name']).where('client_id', '=', access.clientId).orderBy('name').execute();
    const { rows } = await sql<{ theme_id: string; period: string; comments: number; sentiment: number; rating: number }>`
      select theme_id, date_trunc(${query.interval}, day::timestamp)::date::text as period,
        sum(comments)::int as comments, sum(sentiment_milli_sum)::float8 as sentiment, sum(rating_percent_sum)::float8 as rating
      from comment_theme_daily
      where client_id = ${access.clientId} and day between ${period.from}::date and ${period.to}::date
        ${locations === null ? sql`` : sql`and location_id = any(${[...locations]}::uuid[])`}
      group by 1, 2
      order by 1, 2`.execute(trx);
    return {
      ok: true,
      trend: {
        from: period.from,
        to: period.to,
        interval: query.interval,
        themes: themes.map((t) => {
          const mine = rows.filter((r) => r.theme_id === t.id);
          const sum = mine.reduce((acc, r) => ({ c: acc.c + r.comments, s: acc.s + r.sentiment, r: acc.r + r.rating }), { c: 0, s: 0, r: 0 });
          return {
            id: t.id,
            name: t.name,
            total: figures(sum.c, sum.s, sum.r),
            points: mine.map((r) => ({ period: r.period, ...figures(r.comments, r.sentiment, r.rating) })),
          };
        }),
      },
    } as const;
  }), (result) => !result.ok);
}
