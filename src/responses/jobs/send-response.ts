/**
 * Sends a reply by email. The job names the response; the address is decrypted here, at
 * send time, so no contact detail sits in the job table. A response already sent is not
 * sent again (a retried job after a crash between send and commit may repeat at most that
 * one message, and it carries the same Message-ID).
 */
import { z } from 'zod';
import type { Services } from '../../context.ts';
import { withClient, asClientId } from '../../db/tenancy.ts';
import { readContactDetails } from '../../end-customers/index.ts';
import { enqueueResponseSent } from '../response-sent.ts';

const jobSchema = z.object({ clientId: z.string().uuid(), responseId: z.string().uuid() });

export async function sendResponseJob(services: Services, data: unknown): Promise<void> {
  const job = jobSchema.parse(data);
  const clientId = asClientId(job.clientId);
  const message = await withClient(services.db, clientId, async (trx) => {
    const response = await trx
      .selectFrom('responses as r')
      .innerJoin('feedback as f', (join) => join.onRef('f.client_id', '=', 'r.client_id').onRef('f.id', '=', 'r.feedback_id'))
      .innerJoin('clients as c', 'c.id', 'r.client_id')
      .select(['r.id', 'r.kind', 'r.status', 'r.subject', 'r.body', 'f.end_customer_id', 'c.name as client_name'])
      .where('r.client_id', '=', clientId)
      .where('r.id', '=', job.responseId)
      .executeTakeFirst();
    if (!response || response.status !== 'queued' || response.kind !== 'email' || !response.end_customer_id) return null;
    const keyring = await services.keyrings.keyringFor(trx, clientId);
    const contact = await readContactDetails(trx, keyring, response.end_customer_id);
    if (!contact?.email) return null;
    return { to: contact.email, subject: response.subject ?? `A reply from ${response.client_name}`, text: response.body };
  });
  if (!message) return;
  try {
    await services.mailer.send({ ...message, messageKey: `response-${job.responseId}` });
  } catch (error) {
    await withClient(services.db, clientId, (trx) =>
      trx.updateTable('responses').set({ error: error instanceof Error ? error.message.slice(0, 500) : 'send failed' }).where('client_id', '=', clientId).where('id', '=', job.responseId).execute(),
    );
    throw error;
  }
  await withClient(services.db, clientId, async (trx) => {
    await trx.updateTable('responses').set({ status: 'sent', sent_at: new Date(), error: null }).where('client_id', '=', clientId).where('id', '=', job.responseId).execute();
    await enqueueResponseSent(trx, clientId, job.responseId);
  });
}
