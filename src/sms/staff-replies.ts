/**
 * Staff replying to a customer by text, from a feedback in the portal. The reply goes to the
 * number the feedback came from, waits out the client's quiet hours, and never goes to a
 * number that opted out. The customer's answer joins the feedback's thread (inbound.ts).
 */
import type { Services } from '../context.ts';
import type { ClientId, Trx } from '../db/tenancy.ts';
import type { ClientKeyring } from '../keys/index.ts';
import { queueText } from './messages.ts';
import { isQuietTime, nextSendableTime } from './quiet-hours.ts';
import { lockRecipient, type LockedRecipient } from './recipients.ts';
import { loadSmsClient, type SmsClient } from './sms-clients.ts';

export interface ReplyRecipient {
  client: SmsClient;
  keyring: ClientKeyring;
  recipient: LockedRecipient;
}

/** Who a text reply about this feedback would go to, or why there is no one. */
export async function findReplyRecipient(
  services: Services,
  trx: Trx,
  clientId: ClientId,
  endCustomerId: string | null,
): Promise<ReplyRecipient | 'no_mobile' | 'opted_out' | 'no_sms_number'> {
  if (!endCustomerId) return 'no_mobile';
  const customer = await trx.selectFrom('end_customers').select('mobile_enc').where('client_id', '=', clientId).where('id', '=', endCustomerId).executeTakeFirst();
  if (!customer?.mobile_enc) return 'no_mobile';
  const client = await loadSmsClient(trx, clientId);
  if (!client.number) return 'no_sms_number';
  const keyring = await services.keyrings.keyringFor(trx, clientId);
  const recipient = await lockRecipient(trx, keyring, keyring.decrypt('mobile', customer.mobile_enc));
  if (recipient.optedOut) return 'opted_out';
  return { client, keyring, recipient };
}

export async function queueStaffReply(
  services: Services,
  trx: Trx,
  to: ReplyRecipient,
  reply: { feedbackId: string; locationId: string; responseId: string; body: string },
): Promise<{ sendAfter: Date | null }> {
  const now = new Date();
  const { timezone, quietHours } = to.client;
  const sendAfter = isQuietTime(now, timezone, quietHours) ? nextSendableTime(now, timezone, quietHours) : null;
  await queueText({ trx, jobs: services.jobs, keyring: to.keyring, provider: services.sms.name }, to.recipient, {
    kind: 'reply',
    body: reply.body,
    feedbackId: reply.feedbackId,
    locationId: reply.locationId,
    responseId: reply.responseId,
    sendAfter,
  });
  return { sendAfter };
}

/** A text to a staff member's (or an alert rule's) mobile: an alert, sent like any other text. */
export async function queueStaffText(services: Services, trx: Trx, clientId: ClientId, mobile: string, body: string, locationId: string | null): Promise<void> {
  const keyring = await services.keyrings.keyringFor(trx, clientId);
  const recipient = await lockRecipient(trx, keyring, mobile);
  await queueText({ trx, jobs: services.jobs, keyring, provider: services.sms.name }, recipient, { kind: 'alert', body, locationId });
}
