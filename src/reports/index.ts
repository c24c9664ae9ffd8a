/**
 * Reports: the figures dashboards read. Owns the daily rollups of feedback per location,
 * sub-measure and channel, kept current by a job after each feedback, so no dashboard
 * scans raw feedback; and the monthly and per-location-day sums of them, which the
 * database keeps in step with every write to the daily rollups.
 */
export { enqueueRollupUpdate, updateDailyRollupsJob, type RollupUpdate } from './jobs/update-daily-rollups.ts';
export { recomputeDailyRollups, rebuildAllDailyRollups, summariseRollups, type RollupSummary } from './rollups.ts';
export { localDay } from './local-day.ts';
import { monthlyReportQueues } from './monthly/index.ts';
// A recomputation takes milliseconds: one still running after a minute belongs to a worker that died.
export const reportQueues = [{ name: 'update-daily-rollups', policy: 'short' as const, retryLimit: 10, retryDelaySeconds: 2, expireInSeconds: 60 }, ...monthlyReportQueues];
export { dashboardRoutes } from './routes.ts';
export { rankingRoutes } from './ranking-routes.ts';
export {
  monthlyReportRoutes,
  planMonthlyReports,
  planMonthlyReportsJob,
  sendMonthlyReportJob,
  PLAN_MONTHLY_REPORTS_CRON,
  PLAN_MONTHLY_REPORTS_QUEUE,
  SEND_MONTHLY_REPORT_QUEUE,
  type SendMonthlyReport,
} from './monthly/index.ts';
