/** The tables of monthly reports (migration 0019), for Kysely. */
import type { ColumnType, Generated } from 'kysely';

export interface MonthlyReportSubscriptionsTable {
  client_id: string;
  user_id: string;
  subscribed: boolean;
  updated_at: Generated<Date>;
}

export interface MonthlyReportSendsTable {
  client_id: string;
  /** The first day of the month reported. */
  month: ColumnType<string, string, string>;
  user_id: string;
  queued_at: Generated<Date>;
  sent_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface MonthlyReportTables {
  monthly_report_subscriptions: MonthlyReportSubscriptionsTable;
  monthly_report_sends: MonthlyReportSendsTable;
}
