/**
 * The message log: every text in or out, its body and number encrypted under the client's
 * data key. Outbound texts are written here as queued, in the transaction that decided to
 * send them, and a `send-sms` job names each one; the job sends it at most once per attempt.
 */
import type { SmsMessageKind, SmsProviderName } from '../db/schema.ts';
import type { ClientId, Trx } from '../db/tenancy.ts';
import type { JobQueue } from '../jobs/index.ts';
import type { ClientKeyring } from '../keys/index.ts';
import { countSegments } from './segments.ts';

export const SEND_SMS_QUEUE = 'send-sms';

/** Kinds that reach a number whatever it said: the answers to STOP, START and HELP themselves. */
export const ALWAYS_SENT_KINDS: ReadonlySet<SmsMessageKind> = new Set(['opt_out', 'opt_in', 'help']);

/** Kinds that wait out the client's quiet hours: texts the customer did not just ask for. */
export const QUIET_HOURS_KINDS: ReadonlySet<SmsMessageKind> = new Set(['invitation', 'reply']);

export interface Recipient {
  mobile: string;
  mobileIndex: Buffer;
  optedOut: boolean;
}

export interface OutboundText {
  kind: SmsMessageKind;
  body: string;
  locationId?: string | null;
  conversationId?: string | null;
  feedbackId?: string | null;
  responseId?: string | null;
  /** Not before this time (quiet hours); null: as soon as possible. */
  sendAfter?: Date | null;
}

export interface SmsWriter {
  trx: Trx;
  jobs: JobQueue;
  keyring: ClientKeyring;
  provider: SmsProviderName;
}

/** Records an outbound text and enqueues its sending, or records it as blocked when the number opted out. */
export async function queueText(w: SmsWriter, to: Recipient, text: OutboundText): Promise<string> {
  const clientId = w.keyring.clientId;
  const blocked = to.optedOut && !ALWAYS_SENT_KINDS.has(text.kind);
  const { encoding, segments } = countSegments(text.body);
  const row = await w.trx
    .insertInto('sms_messages')
    .values({
      client_id: clientId,
      direction: 'outbound',
      kind: text.kind,
      mobile_index: to.mobileIndex,
      mobile_enc: w.keyring.encrypt('mobile', to.mobile),
      body_enc: w.keyring.encrypt('message', text.body),
      encoding,
      segments,
      location_id: text.locationId ?? null,
      conversation_id: text.conversationId ?? null,
      feedback_id: text.feedbackId ?? null,
      response_id: text.responseId ?? null,
      provider: w.provider,
      status: blocked ? 'blocked' : 'queued',
      error: blocked ? 'The number has opted out (STOP).' : null,
      send_after: text.sendAfter ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (!blocked) await enqueueSend(w.jobs, w.trx, clientId, row.id, text.sendAfter ?? null);
  return row.id;
}

export async function enqueueSend(jobs: JobQueue, trx: Trx, clientId: ClientId, messageId: string, sendAfter: Date | null): Promise<void> {
  await jobs.sendInTransaction(trx, SEND_SMS_QUEUE, { clientId, messageId }, sendAfter ? { startAfter: sendAfter } : {});
}

export interface InboundText {
  provider: SmsProviderName;
  providerMessageId: string;
  body: string;
}

/**
 * Records an inbound text once: a provider's message id seen before (a webhook retried or
 * delivered twice) returns null and the caller does nothing more.
 */
export async function recordInboundText(trx: Trx, keyring: ClientKeyring, from: Recipient, text: InboundText): Promise<string | null> {
  const { encoding, segments } = countSegments(text.body || ' ');
  const row = await trx
    .insertInto('sms_messages')
    .values({
      client_id: keyring.clientId,
      direction: 'inbound',
      kind: 'unrecognised',
      mobile_index: from.mobileIndex,
      mobile_enc: keyring.encrypt('mobile', from.mobile),
      body_enc: keyring.encrypt('message', text.body),
      encoding,
      segments,
      provider: text.provider,
      provider_message_id: text.providerMessageId,
      status: 'received',
      status_at: new Date(),
    })
    .onConflict((oc) => oc.columns(['provider', 'provider_message_id']).where('provider_message_id', 'is not', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

/** Files an inbound text once it is known what it was and what it belongs to. */
export async function classifyInboundText(
  trx: Trx,
  clientId: ClientId,
  messageId: string,
  filing: { kind: SmsMessageKind; locationId?: string | null; conversationId?: string | null; feedbackId?: string | null; holdsContact?: boolean },
): Promise<void> {
  await trx
    .updateTable('sms_messages')
    .set({
      kind: filing.kind,
      location_id: filing.locationId ?? null,
      conversation_id: filing.conversationId ?? null,
      feedback_id: filing.feedbackId ?? null,
      holds_contact: filing.holdsContact ?? false,
    })
    .where('client_id', '=', clientId)
    .where('id', '=', messageId)
    .execute();
}
