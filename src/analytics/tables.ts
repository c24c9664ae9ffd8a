/**
 * The analytics tables as Kysely sees them. They are kept out of src/db/schema.ts on
 * purpose: only this domain can name them (through `analyticsDb`), so no other domain's
 * query, export or release can reach them by accident.
 */
import type { ColumnType, Generated, Kysely } from 'kysely';
import type { Db } from '../db/connect.ts';

export type HitKind = 'view' | 'leave';
export type Dimension = 'total' | 'page' | 'source' | 'device' | 'browser' | 'os';

export type AnalyticsTables = {
  analytics_salts: {
    day: string;
    salt: Buffer;
    created_at: Generated<Date>;
  };
  analytics_hits: {
    id: Generated<number>;
    received_at: Generated<Date>;
    day: string;
    kind: HitKind;
    visitor_hash: Buffer;
    path: string;
    referrer_host: string | null;
    utm_source: string | null;
    utm_medium: string | null;
    utm_campaign: string | null;
    screen_width: number | null;
    screen_height: number | null;
    browser: string;
    os: string;
    device: string;
    duration_ms: number | null;
    ip: string;
    ip_truncated: Generated<boolean>;
  };
  analytics_daily_visitors: {
    day: string;
    visitor_hash: Buffer;
  };
  analytics_daily_counts: {
    day: string;
    dimension: Dimension;
    value: string;
    visitors: ColumnType<number, number | undefined, number>;
    views: ColumnType<number, number | undefined, number>;
    leaves: ColumnType<number, number | undefined, number>;
    duration_ms: ColumnType<number, number | undefined, number>;
  };
  analytics_daily_drops: {
    day: string;
    reason: string;
    dropped: ColumnType<number, number | undefined, number>;
  };
};

export type AnalyticsDb = Kysely<AnalyticsTables>;

/** The database handle with the analytics tables, as the owning role (never a tenant transaction). */
export function analyticsDb(db: Db): AnalyticsDb {
  return db.withTables<AnalyticsTables>() as unknown as AnalyticsDb;
}
