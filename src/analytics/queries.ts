/** The operator dashboard's figures, read from the daily summary rows only (never raw hits). */
import { sql } from 'kysely';
import type { Dashboard } from './schemas.ts';
import type { AnalyticsDb, Dimension } from './tables.ts';

const TOP = 10;

function average(durationMs: number, leaves: number): number | null {
  return leaves > 0 ? Math.round(durationMs / leaves / 100) / 10 : null;
}

/** Every day from `from` to `to`, inclusive, as 'YYYY-MM-DD'. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

export async function readDashboard(db: AnalyticsDb, from: string, to: string): Promise<Dashboard> {
  const inRange = sql<boolean>`day between ${from}::date and ${to}::date`;
  const totals = await db
    .selectFrom('analytics_daily_counts')
    .select([sql<string>`day::text`.as('day'), 'visitors', 'views', 'leaves', 'duration_ms'])
    .where('dimension', '=', 'total')
    .where(inRange)
    .execute();
  const breakdown = await db
    .selectFrom('analytics_daily_counts')
    .select([
      'dimension',
      'value',
      sql<number>`sum(views)::int`.as('views'),
      sql<number>`sum(leaves)::int`.as('leaves'),
      sql<number>`sum(duration_ms)::float8`.as('duration_ms'),
    ])
    .where('dimension', '<>', 'total')
    .where(inRange)
    .groupBy(['dimension', 'value'])
    .execute();
  const drops = await db
    .selectFrom('analytics_daily_drops')
    .select([sql<string>`day::text`.as('day'), 'reason', 'dropped'])
    .where(inRange)
    .execute();

  const byDay = new Map(totals.map((row) => [row.day, row]));
  const dropsByDay = new Map<string, Record<string, number>>();
  const dropsByReason = new Map<string, number>();
  for (const row of drops) {
    const day = dropsByDay.get(row.day) ?? {};
    day[row.reason] = (day[row.reason] ?? 0) + row.dropped;
    dropsByDay.set(row.day, day);
    dropsByReason.set(row.reason, (dropsByReason.get(row.reason) ?? 0) + row.dropped);
  }
  const days = daysBetween(from, to).map((day) => {
    const row = byDay.get(day);
    return {
      day,
      visitors: row?.visitors ?? 0,
      views: row?.views ?? 0,
      averageSeconds: row ? average(Number(row.duration_ms), row.leaves) : null,
      dropped: dropsByDay.get(day) ?? {},
    };
  });
  const sum = (pick: (row: (typeof totals)[number]) => number) => totals.reduce((n, row) => n + pick(row), 0);

  const ranked = (dimension: Dimension) =>
    breakdown
      .filter((row) => row.dimension === dimension && row.views > 0)
      .sort((a, b) => b.views - a.views || (a.value < b.value ? -1 : 1))
      .slice(0, TOP);

  return {
    from,
    to,
    totals: {
      visitors: sum((r) => r.visitors),
      views: sum((r) => r.views),
      averageSeconds: average(sum((r) => Number(r.duration_ms)), sum((r) => r.leaves)),
      dropped: [...dropsByReason.values()].reduce((a, b) => a + b, 0),
    },
    days,
    topPages: ranked('page').map((r) => ({ path: r.value, views: r.views, averageSeconds: average(r.duration_ms, r.leaves) })),
    sources: ranked('source').map((r) => ({ source: r.value, views: r.views })),
    devices: ranked('device').map((r) => ({ device: r.value, views: r.views })),
    browsers: ranked('browser').map((r) => ({ browser: r.value, views: r.views })),
    operatingSystems: ranked('os').map((r) => ({ os: r.value, views: r.views })),
    dropped: [...dropsByReason.entries()].sort((a, b) => b[1] - a[1]).map(([reason, count]) => ({ reason, count })),
  };
}
