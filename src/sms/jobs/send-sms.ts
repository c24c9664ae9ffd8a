/**
 * Sends one queued text. The message row decides, under its lock: a text already sent (a
 * repeated job) is not sent again; one another worker is sending right now waits; an
 * invitation or staff reply that falls in the client's quiet hours is put back until they
 * end; a number that opted out is not texted. The number and body are decrypted only here,
 * at send time, so no personal data sits in the job table.
 *
 * A failure the provider calls temporary is retried by the queue with backoff, up to
 * MAX_ATTEMPTS; a refusal is final and recorded on the message (and on a staff reply).
 */
import { z } from 'zod';
import type { Services } from '../../context.ts';
import { countSmsSent } from '../../counters.ts';
import { enqueueResponseSent } from '../../responses/index.ts';
import { asClientId, withClient, type ClientId, type Trx } from '../../db/tenancy.ts';
import { retryWhileDatabaseUnavailable } from '../../db/unavailable.ts';
import { ALWAYS_SENT_KINDS, enqueueSend, QUIET_HOURS_KINDS } from '../messages.ts';
import type { SendOutcome } from '../providers/index.ts';
import { isQuietTime, nextSendableTime } from '../quiet-hours.ts';
import { markOptedOut } from '../recipients.ts';
import { loadSmsClient } from '../sms-clients.ts';

const jobSchema = z.object({ clientId: z.string().uuid(), messageId: z.string().uuid() });

/**
 * The queue retries after about 1-2 s, then doubling (pg-boss's backoff): a customer in a
 * conversation waits seconds for a blip to pass, and twelve retries cover about an hour.
 */
export const SEND_SMS_RETRIES = { retryLimit: 12, retryDelaySeconds: 1 };
export const MAX_ATTEMPTS = SEND_SMS_RETRIES.retryLimit + 1;
/** How long one attempt may hold a message before another worker may take it over. */
const SENDING_LEASE_MS = 60_000;
/** Twilio: the recipient replied STOP to the sending number at the carrier. */
const PROVIDER_UNSUBSCRIBED = '21610';

export class SmsSendDeferred extends Error {}

type Claim = { to: string; from: string; body: string; attempts: number; responseId: string | null; mobileIndex: Buffer };

export async function sendSmsJob(services: Services, data: unknown): Promise<void> {
  const job = jobSchema.parse(data);
  const clientId = asClientId(job.clientId);
  const claim = await withClient(services.db, clientId, (trx) => claimMessage(services, trx, clientId, job.messageId));
  if (!claim) return;
  const outcome: SendOutcome = await services.sms
    .send({
      to: claim.to,
      from: claim.from,
      body: claim.body,
      messageId: job.messageId,
      statusCallbackUrl: services.sms.name === 'twilio' ? `${services.publicUrl}/sms/twilio/status` : null,
    })
    .catch((error: unknown) => ({ ok: false, retryable: true, code: null, message: error instanceof Error ? error.message.slice(0, 200) : 'send failed' }));
  countSmsSent(outcome.ok ? 'sent' : 'failed');
  // The provider has the text: a database that is restarting just now is waited for (well
  // within the claim's lease), or the next attempt would send the text a second time.
  await retryWhileDatabaseUnavailable(() => withClient(services.db, clientId, (trx) => recordOutcome(trx, clientId, job.messageId, claim, outcome)), {
    patienceMs: SENDING_LEASE_MS / 2,
  });
  if (!outcome.ok && outcome.retryable && claim.attempts < MAX_ATTEMPTS) {
    // Thrown so the queue retries the job with backoff.
    throw new Error(`SMS provider failed temporarily (attempt ${claim.attempts} of ${MAX_ATTEMPTS}): ${outcome.message}`);
  }
}

async function claimMessage(services: Services, trx: Trx, clientId: ClientId, messageId: string): Promise<Claim | null> {
  const message = await trx
    .selectFrom('sms_messages')
    .select(['id', 'kind', 'status', 'direction', 'mobile_index', 'mobile_enc', 'body_enc', 'attempts', 'sending_until', 'response_id'])
    .where('client_id', '=', clientId)
    .where('id', '=', messageId)
    .forUpdate()
    .executeTakeFirst();
  if (!message || message.direction !== 'outbound') return null;
  if (message.status !== 'queued' && message.status !== 'sending') return null;
  if (message.status === 'sending' && message.sending_until && message.sending_until.getTime() > Date.now()) {
    throw new SmsSendDeferred('Another worker is sending this text; trying again later.');
  }
  const client = await loadSmsClient(trx, clientId);
  const now = new Date();
  if (QUIET_HOURS_KINDS.has(message.kind) && isQuietTime(now, client.timezone, client.quietHours)) {
    const sendAfter = nextSendableTime(now, client.timezone, client.quietHours);
    await trx.updateTable('sms_messages').set({ send_after: sendAfter, status: 'queued' }).where('client_id', '=', clientId).where('id', '=', messageId).execute();
    await enqueueSend(services.jobs, trx, clientId, messageId, sendAfter);
    return null;
  }
  const recipient = await trx
    .selectFrom('sms_recipients')
    .select('opted_out_at')
    .where('client_id', '=', clientId)
    .where('mobile_index', '=', message.mobile_index)
    .executeTakeFirst();
  if (recipient?.opted_out_at && !ALWAYS_SENT_KINDS.has(message.kind)) {
    await finish(trx, clientId, messageId, message.response_id, { status: 'blocked', error: 'The number has opted out (STOP).' });
    return null;
  }
  if (!client.number) {
    await finish(trx, clientId, messageId, message.response_id, { status: 'failed', error: 'This business has no SMS number set up.' });
    return null;
  }
  const keyring = await services.keyrings.keyringFor(trx, clientId);
  const attempts = message.attempts + 1;
  await trx
    .updateTable('sms_messages')
    .set({ status: 'sending', attempts, sending_until: new Date(Date.now() + SENDING_LEASE_MS) })
    .where('client_id', '=', clientId)
    .where('id', '=', messageId)
    .execute();
  return {
    to: keyring.decrypt('mobile', message.mobile_enc),
    from: client.number,
    body: keyring.decrypt('message', message.body_enc),
    attempts,
    responseId: message.response_id,
    mobileIndex: message.mobile_index,
  };
}

async function recordOutcome(trx: Trx, clientId: ClientId, messageId: string, claim: Claim, outcome: SendOutcome): Promise<void> {
  if (outcome.ok) {
    const status = outcome.status === 'delivered' ? 'delivered' : 'sent';
    await trx
      .updateTable('sms_messages')
      .set({ status, provider_message_id: outcome.providerMessageId, sent_at: new Date(), status_at: new Date(), sending_until: null, error: null, error_code: null })
      .where('client_id', '=', clientId)
      .where('id', '=', messageId)
      .execute();
    if (claim.responseId) {
      await trx.updateTable('responses').set({ status: 'sent', sent_at: new Date(), error: null }).where('client_id', '=', clientId).where('id', '=', claim.responseId).execute();
      await enqueueResponseSent(trx, clientId, claim.responseId);
    }
    return;
  }
  if (outcome.retryable && claim.attempts < MAX_ATTEMPTS) {
    await trx
      .updateTable('sms_messages')
      .set({ status: 'queued', sending_until: null, error: outcome.message, error_code: outcome.code })
      .where('client_id', '=', clientId)
      .where('id', '=', messageId)
      .execute();
    return;
  }
  if (outcome.code === PROVIDER_UNSUBSCRIBED) {
    await markOptedOut(trx, clientId, claim.mobileIndex, 'carrier');
  }
  await finish(trx, clientId, messageId, claim.responseId, { status: 'failed', error: outcome.message, errorCode: outcome.code });
}

async function finish(
  trx: Trx,
  clientId: ClientId,
  messageId: string,
  responseId: string | null,
  end: { status: 'failed' | 'blocked'; error: string; errorCode?: string | null },
): Promise<void> {
  await trx
    .updateTable('sms_messages')
    .set({ status: end.status, error: end.error, error_code: end.errorCode ?? null, sending_until: null, status_at: new Date() })
    .where('client_id', '=', clientId)
    .where('id', '=', messageId)
    .execute();
  if (responseId) {
    await trx.updateTable('responses').set({ status: 'failed', error: end.error }).where('client_id', '=', clientId).where('id', '=', responseId).execute();
  }
}
