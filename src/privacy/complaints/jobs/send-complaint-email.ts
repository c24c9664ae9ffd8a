/**
 * Emails the complainant: the confirmation with their reference and due date, or the
 * operator's response. The job carries ids only; the address is unsealed here, at send time.
 */
import { z } from 'zod';
import type { Services } from '../../../context.ts';
import { complaintDueOn } from '../due-dates.ts';
import { complaintSeal } from '../sealed.ts';

export const COMPLAINT_EMAIL_QUEUE = 'send-complaint-email';

const jobSchema = z.object({ complaintId: z.string().uuid(), kind: z.enum(['confirmation', 'response']) });

const dateWords = (isoDay: string) =>
  new Intl.DateTimeFormat('en-NZ', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${isoDay}T00:00:00Z`));

export async function sendComplaintEmailJob(services: Services, data: unknown): Promise<void> {
  const job = jobSchema.parse(data);
  const row = await services.db.selectFrom('privacy_complaints').selectAll().where('id', '=', job.complaintId).executeTakeFirst();
  if (!row?.email_enc) return;
  const seal = complaintSeal(services);
  const to = seal.open(row.id, 'email', row.email_enc);
  const name = seal.open(row.id, 'name', row.name_enc);
  if (job.kind === 'confirmation') {
    await services.mailer.send({
      to,
      subject: `We received your privacy complaint (${row.reference})`,
      text: [
        `Dear ${name},`,
        ``,
        `Thank you for telling us about your privacy concern. We have received your complaint and will look into it.`,
        ``,
        `Your reference: ${row.reference}`,
        `We will respond by ${dateWords(complaintDueOn(row.received_at))} at the latest (30 days after we received it).`,
        ``,
        `Please quote the reference if you contact us about this complaint. You can read our privacy policy at ${services.publicUrl}/privacy`,
      ].join('\n'),
      messageKey: `privacy-complaint-${row.id}-confirmation`,
    });
    return;
  }
  if (!row.response_enc) return;
  await services.mailer.send({
    to,
    subject: `Our response to your privacy complaint (${row.reference})`,
    text: [`Dear ${name},`, ``, seal.open(row.id, 'response', row.response_enc), ``, `Reference: ${row.reference}`].join('\n'),
    messageKey: `privacy-complaint-${row.id}-response`,
  });
}
