/**
 * The scheduled clean-up of website analytics: full IPs older than HARK_ANALYTICS_IP_DAYS
 * are cut to their network (IPv4 /24, IPv6 /48), and salts of past days are deleted (in
 * case no beacon came today to do it). Idempotent; runs hourly on the pg-boss schedule.
 */
import { sql } from 'kysely';
import type { Services } from '../../context.ts';
import { analyticsDb } from '../tables.ts';
import { utcDay } from '../days.ts';
import { deleteOldSalts } from '../visitor.ts';

export const TRUNCATE_ANALYTICS_IPS_QUEUE = 'truncate-analytics-ips';
export const TRUNCATE_ANALYTICS_IPS_CRON = '23 * * * *';

/** Rows per statement, so a backlog never holds one long lock over the hits table. */
const BATCH = 5000;

export interface TruncationReport {
  truncated: number;
  saltsDeleted: number;
}

export async function truncateAnalyticsIps(services: Services, now: Date = new Date()): Promise<TruncationReport> {
  const db = analyticsDb(services.db);
  const cutoff = new Date(now.getTime() - services.config.analytics.ipDays * 86_400_000);
  let truncated = 0;
  for (;;) {
    const result = await sql`
      update analytics_hits set ip = network(set_masklen(ip, case when family(ip) = 4 then 24 else 48 end))::inet, ip_truncated = true
      where id in (select id from analytics_hits where not ip_truncated and received_at < ${cutoff} order by received_at limit ${BATCH})`.execute(db);
    const n = Number(result.numAffectedRows ?? 0);
    truncated += n;
    if (n < BATCH) break;
  }
  const saltsDeleted = await deleteOldSalts(db, utcDay(now));
  return { truncated, saltsDeleted };
}

export async function truncateAnalyticsIpsJob(services: Services): Promise<void> {
  await truncateAnalyticsIps(services);
}
