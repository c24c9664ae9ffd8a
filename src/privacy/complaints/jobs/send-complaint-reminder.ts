/**
 * Emails operator staff that a privacy complaint is due in 7 days, or today (or overdue).
 * No personal details go in the email: the reference, the business named and a link.
 * A reminder already marked sent is not sent again; a retried send keeps its Message-ID.
 */
import { z } from 'zod';
import type { Services } from '../../../context.ts';
import { complaintDueOn, daysLeft } from '../due-dates.ts';

export const COMPLAINT_REMINDER_QUEUE = 'send-complaint-reminder';

const jobSchema = z.object({ complaintId: z.string().uuid(), kind: z.enum(['week_before', 'due_date']) });

export async function sendComplaintReminderJob(services: Services, data: unknown): Promise<void> {
  const job = jobSchema.parse(data);
  const reminder = await services.db
    .selectFrom('privacy_complaint_reminders as r')
    .innerJoin('privacy_complaints as c', 'c.id', 'r.complaint_id')
    .select(['r.sent_at', 'c.id', 'c.reference', 'c.business', 'c.status', 'c.received_at'])
    .where('r.complaint_id', '=', job.complaintId)
    .where('r.kind', '=', job.kind)
    .executeTakeFirst();
  if (!reminder || reminder.sent_at) return;
  const staff = await services.db.selectFrom('users').select(['id', 'email']).where('kind', '=', 'operator').where('disabled_at', 'is', null).execute();
  const left = daysLeft(reminder.received_at, new Date());
  const when = left > 0 ? `is due in ${left} day${left === 1 ? '' : 's'}` : left === 0 ? 'is due today' : `is ${-left} day${left === -1 ? '' : 's'} overdue`;
  for (const person of staff) {
    await services.mailer.send({
      to: person.email,
      subject: `Privacy complaint ${reminder.reference} ${when}`,
      text: [
        `Privacy complaint ${reminder.reference}${reminder.business ? ` (about ${reminder.business})` : ''} ${when}: the response is due by ${complaintDueOn(reminder.received_at)}.`,
        `It is ${reminder.status === 'received' ? 'not yet being investigated' : 'being investigated'}.`,
        ``,
        `Open it in the operator console: ${services.publicUrl}/portal/operator/complaints/${reminder.id}`,
      ].join('\n'),
      messageKey: `privacy-complaint-${reminder.id}-${job.kind}-${person.id}`,
    });
  }
  await services.db
    .updateTable('privacy_complaint_reminders')
    .set({ sent_at: new Date(), recipients: staff.length })
    .where('complaint_id', '=', job.complaintId)
    .where('kind', '=', job.kind)
    .execute();
}
