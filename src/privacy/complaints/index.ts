/**
 * Privacy complaints: the public form at /privacy/complaint, the operator's queue and
 * complaint pages under /api/v1/operator/complaints, the complainant's emails, and the
 * reminders to operator staff 7 days before and on the due date (30 calendar days).
 */
import { COMPLAINT_EMAIL_QUEUE } from './jobs/send-complaint-email.ts';
import { COMPLAINT_REMINDER_QUEUE } from './jobs/send-complaint-reminder.ts';

export { complaintRoutes } from './routes.ts';
export { sendComplaintEmailJob, COMPLAINT_EMAIL_QUEUE } from './jobs/send-complaint-email.ts';
export { sendComplaintReminderJob, COMPLAINT_REMINDER_QUEUE } from './jobs/send-complaint-reminder.ts';
export { ComplaintReminderPoller, queueComplaintReminders } from './jobs/queue-complaint-reminders.ts';
export { complaintDueOn, daysLeft, reminderDue } from './due-dates.ts';

export const complaintQueues = [
  { name: COMPLAINT_EMAIL_QUEUE, policy: 'standard' as const, retryLimit: 10, retryDelaySeconds: 10 },
  { name: COMPLAINT_REMINDER_QUEUE, policy: 'standard' as const, retryLimit: 10, retryDelaySeconds: 10 },
];
