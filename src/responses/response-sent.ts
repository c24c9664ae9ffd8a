/**
 * The response.sent webhook event: a reply to the customer (by email or text) was handed to
 * the mail server or the SMS provider, queued in the transaction that marks it sent. Internal
 * notes are never sent, so never reported.
 */
import type { ClientId, Trx } from '../db/tenancy.ts';
import { enqueueWebhookEvent } from '../webhooks/index.ts';

export async function enqueueResponseSent(trx: Trx, clientId: ClientId, responseId: string): Promise<void> {
  const response = await trx
    .selectFrom('responses')
    .select(['id', 'feedback_id', 'location_id', 'kind', 'author_user_id', 'subject', 'body', 'created_at', 'sent_at'])
    .where('client_id', '=', clientId)
    .where('id', '=', responseId)
    .where('direction', '=', 'outbound')
    .executeTakeFirst();
  if (!response || response.kind === 'note') return;
  await enqueueWebhookEvent(trx, clientId, 'response.sent', {
    id: response.id,
    feedbackId: response.feedback_id,
    locationId: response.location_id,
    kind: response.kind,
    authorUserId: response.author_user_id,
    subject: response.subject,
    body: response.body,
    createdAt: response.created_at.toISOString(),
    sentAt: (response.sent_at ?? new Date()).toISOString(),
  });
}
