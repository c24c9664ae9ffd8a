/** Starts the job handlers of every domain in this process (the worker role). */
import { sendAccountEmail } from '../accounts/index.ts';
import { AlertDispatcher } from '../alerts/dispatcher.ts';
import { WebhookDispatcher } from '../webhooks/index.ts';
import { SEND_EMAIL_INVITATION_QUEUE, sendEmailInvitationJob } from '../api-keys/index.ts';
import { TRUNCATE_ANALYTICS_IPS_CRON, TRUNCATE_ANALYTICS_IPS_QUEUE, truncateAnalyticsIpsJob } from '../analytics/index.ts';
import { makeBackupJob, makeBackupQueue, runScheduledBackupJob, scheduledBackupCron, scheduledBackupQueue } from '../backups/index.ts';
import { BACKFILL_COMMENTS_QUEUE, backfillCommentAnalysisJob, enqueueCommentBackfill, RETAG_COMMENTS_QUEUE, retagCommentsJob } from '../comments/index.ts';
import type { Services } from '../context.ts';
import { PLAN_MONTHLY_REPORTS_CRON, PLAN_MONTHLY_REPORTS_QUEUE, planMonthlyReportsJob, SEND_MONTHLY_REPORT_QUEUE, sendMonthlyReportJob, updateDailyRollupsJob, type SendMonthlyReport } from '../reports/index.ts';
import { sendResponseJob } from '../responses/index.ts';
import { RETENTION_CRON, RETENTION_QUEUE, retentionJob } from '../retention/index.ts';
import { PRIZE_DRAW_CRON, PRIZE_DRAW_QUEUE, prizeDrawJob } from '../prizes/index.ts';
import { closeConversationJob, sendSmsJob } from '../sms/index.ts';
import { schedulePrivacyRequestReminders } from '../privacy/requests/index.ts';
import { COMPLAINT_EMAIL_QUEUE, COMPLAINT_REMINDER_QUEUE, ComplaintReminderPoller, sendComplaintEmailJob, sendComplaintReminderJob } from '../privacy/complaints/index.ts';

export interface Workers {
  /** Stops the pollers that are not pg-boss's (the alert dispatcher), waiting for their round in hand. */
  stop(): Promise<void>;
}

export async function startWorkers(services: Services): Promise<Workers> {
  await services.jobs.work(
    'update-daily-rollups',
    { pollingIntervalSeconds: services.config.rollupPollSeconds, batchSize: 20 },
    (data) => updateDailyRollupsJob(services, data),
  );
  const mail = { pollingIntervalSeconds: services.config.jobPollSeconds, batchSize: 5 };
  await services.jobs.work('send-account-email', mail, (data) => sendAccountEmail(services, data));
  await services.jobs.work('send-response', mail, (data) => sendResponseJob(services, data));
  // Texts are a conversation: the customer waits for each answer, so these poll often.
  const texts = { pollingIntervalSeconds: Math.min(1, services.config.jobPollSeconds), batchSize: 10 };
  await services.jobs.work('send-sms', texts, (data) => sendSmsJob(services, data));
  await services.jobs.work('close-sms-conversation', texts, (data) => closeConversationJob(services, data));
  // Re-tags follow a theme edit in settings; the backfill analyses comments older than analysis.
  await services.jobs.work(RETAG_COMMENTS_QUEUE, { pollingIntervalSeconds: services.config.jobPollSeconds, batchSize: 1 }, (data) => retagCommentsJob(services, data));
  await services.jobs.work(BACKFILL_COMMENTS_QUEUE, { pollingIntervalSeconds: services.config.jobPollSeconds, batchSize: 1 }, () => backfillCommentAnalysisJob(services));
  await enqueueCommentBackfill(services);
  await services.jobs.work(RETENTION_QUEUE, { pollingIntervalSeconds: 60, batchSize: 1 }, () => retentionJob(services));
  await services.jobs.schedule(RETENTION_QUEUE, RETENTION_CRON);
  await services.jobs.work(PRIZE_DRAW_QUEUE, { pollingIntervalSeconds: 60, batchSize: 1 }, () => prizeDrawJob(services));
  await services.jobs.schedule(PRIZE_DRAW_QUEUE, PRIZE_DRAW_CRON);
  await services.jobs.work(PLAN_MONTHLY_REPORTS_QUEUE, { pollingIntervalSeconds: 60, batchSize: 1 }, () => planMonthlyReportsJob(services));
  await services.jobs.schedule(PLAN_MONTHLY_REPORTS_QUEUE, PLAN_MONTHLY_REPORTS_CRON);
  await services.jobs.work<SendMonthlyReport>(SEND_MONTHLY_REPORT_QUEUE, mail, (data) => sendMonthlyReportJob(services, data));
  await services.jobs.work(TRUNCATE_ANALYTICS_IPS_QUEUE, { pollingIntervalSeconds: 60, batchSize: 1 }, () => truncateAnalyticsIpsJob(services));
  await services.jobs.schedule(TRUNCATE_ANALYTICS_IPS_QUEUE, TRUNCATE_ANALYTICS_IPS_CRON);
  const backups = { pollingIntervalSeconds: services.config.jobPollSeconds, batchSize: 1 };
  await services.jobs.work<{ backupId: string }>(makeBackupQueue, backups, (data) => makeBackupJob(services, data));
  await services.jobs.work(scheduledBackupQueue, backups, () => runScheduledBackupJob(services));
  if (services.config.backups.intervalHours > 0) await services.jobs.schedule(scheduledBackupQueue, scheduledBackupCron);
  const alerts = new AlertDispatcher(services, { pollMs: services.config.alerts.pollSeconds * 1000, leaseSeconds: services.config.alerts.leaseSeconds });
  alerts.start();
  await services.jobs.work(COMPLAINT_EMAIL_QUEUE, mail, (data) => sendComplaintEmailJob(services, data));
  await services.jobs.work(COMPLAINT_REMINDER_QUEUE, mail, (data) => sendComplaintReminderJob(services, data));
  const complaintReminders = new ComplaintReminderPoller(services, services.config.privacy.reminderPollSeconds);
  complaintReminders.start();
  const requestReminders = schedulePrivacyRequestReminders(services);
  await services.jobs.work(SEND_EMAIL_INVITATION_QUEUE, mail, (data: { clientId: string; invitationId: string }) => sendEmailInvitationJob(services, data));
  const webhooks = new WebhookDispatcher(services);
  webhooks.start();
  return { stop: async () => void (await Promise.all([alerts.stop(), complaintReminders.stop(), requestReminders.stop(), webhooks.stop()])) };
}
