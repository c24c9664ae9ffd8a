/**
 * Monthly reports: a PDF per client and month (per location scope for managers) with the
 * figures of the dashboard and rankings, downloadable in the portal and emailed on the
 * first working day of each month to the people who subscribed. Owns
 * monthly_report_subscriptions and monthly_report_sends.
 */
export { monthlyReportRoutes } from './routes.ts';
export { gatherMonthlyReport, type MonthlyReport } from './gather-report.ts';
export { renderMonthlyReportPdf, renderMonthlyReportBuffer } from './render-pdf.ts';
export { firstWorkingDayOf, isWorkingDay } from './calendar.ts';
export {
  planMonthlyReports,
  planMonthlyReportsJob,
  PLAN_MONTHLY_REPORTS_CRON,
  PLAN_MONTHLY_REPORTS_QUEUE,
  SEND_MONTHLY_REPORT_QUEUE,
  type SendMonthlyReport,
} from './jobs/plan-monthly-reports.ts';
export { sendMonthlyReportJob } from './jobs/send-monthly-report.ts';
export const monthlyReportQueues = [
  { name: 'plan-monthly-reports', policy: 'singleton' as const, retryLimit: 3, retryDelaySeconds: 60 },
  { name: 'send-monthly-report', policy: 'standard' as const, retryLimit: 10, retryDelaySeconds: 30 },
];
