/**
 * Conversations in the database: the state of each, the feedback it becomes once it has a
 * score and a comment (or its answer to "anything to add?"), and its prize-draw entry.
 * A conversation left unanswered is closed by the `close-sms-conversation` job, keeping what
 * the customer gave.
 */
import { randomUUID } from 'node:crypto';
import type { Services } from '../context.ts';
import { countFeedbackIngested } from '../counters.ts';
import type { SmsConversationState } from '../db/schema.ts';
import type { ClientId, Trx } from '../db/tenancy.ts';
import { recordEndCustomer } from '../end-customers/index.ts';
import { enqueueFeedbackUpdated, insertFeedback, recordConsentsAndEntry } from '../feedback/index.ts';
import type { ClientKeyring } from '../keys/index.ts';
import { findFeedbackTargetOfLocation, type FeedbackTarget } from '../programmes/index.ts';
import { hasFeedback, newConversation, type ConversationState } from './conversation.ts';
import type { ConversationWording } from './wording.ts';

export const CLOSE_CONVERSATION_QUEUE = 'close-sms-conversation';

/** How long an invitation waits for its answer. */
export const INVITATION_REPLY_DAYS = 7;

export interface StoredConversation {
  id: string;
  origin: 'sms_code' | 'receipt_code' | 'invitation';
  receiptCode: string | null;
  mobileIndex: Buffer;
  feedbackId: string | null;
  expiresAt: Date;
  state: ConversationState;
  /** Null when the location was archived since the conversation began. */
  target: FeedbackTarget | null;
}

export function wordingOf(target: FeedbackTarget): ConversationWording {
  const p = target.programme;
  return {
    clientName: target.clientName,
    // "Harbour Lane, Anna", as the feedback page shows its sub-measure (with a GSM-7 comma).
    locationName: target.subMeasure ? `${target.location.name}, ${target.subMeasure.name}` : target.location.name,
    scale: p.scale,
    leadQuestion: p.leadQuestion,
    followUpQuestion: p.followUpQuestion,
    thankYouTitle: p.thankYouTitle,
    thankYouText: p.thankYouText,
    prizeDrawEnabled: p.prizeDrawEnabled,
    prizeDrawDescription: p.prizeDrawDescription,
    prizeDrawTermsUrl: p.prizeDrawTermsUrl,
    privacyPolicyUrl: p.privacyPolicyUrl ?? target.clientPrivacyPolicyUrl,
  };
}

const conversationColumns = [
  'id',
  'origin',
  'receipt_code',
  'mobile_index',
  'location_id',
  'sub_measure_id',
  'step',
  'score',
  'comment',
  'prize_draw',
  'name_enc',
  'email_enc',
  'feedback_id',
  'expires_at',
] as const;

/** The number's open conversation, locked; the caller holds the number's lock already. */
export async function findOpenConversation(trx: Trx, keyring: ClientKeyring, mobileIndex: Buffer): Promise<StoredConversation | null> {
  const row = await trx
    .selectFrom('sms_conversations')
    .select(conversationColumns)
    .where('client_id', '=', keyring.clientId)
    .where('mobile_index', '=', mobileIndex)
    .where('state', '=', 'open')
    .forUpdate()
    .executeTakeFirst();
  return row ? toStored(trx, keyring, row) : null;
}

export async function findConversationById(trx: Trx, keyring: ClientKeyring, id: string): Promise<(StoredConversation & { open: boolean }) | null> {
  const row = await trx
    .selectFrom('sms_conversations')
    .select([...conversationColumns, 'state as lifecycle'])
    .where('client_id', '=', keyring.clientId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  return row ? { ...(await toStored(trx, keyring, row)), open: row.lifecycle === 'open' } : null;
}

type ConversationRow = {
  id: string;
  origin: StoredConversation['origin'];
  receipt_code: string | null;
  mobile_index: Buffer;
  location_id: string;
  sub_measure_id: string | null;
  step: ConversationState['step'];
  score: number | null;
  comment: string;
  prize_draw: boolean | null;
  name_enc: Buffer | null;
  email_enc: Buffer | null;
  feedback_id: string | null;
  expires_at: Date;
};

async function toStored(trx: Trx, keyring: ClientKeyring, row: ConversationRow): Promise<StoredConversation> {
  return {
    id: row.id,
    origin: row.origin,
    receiptCode: row.receipt_code,
    mobileIndex: row.mobile_index,
    feedbackId: row.feedback_id,
    expiresAt: row.expires_at,
    // A staff member archived meanwhile leaves the feedback with the location.
    target: await findFeedbackTargetOfLocation(trx, keyring.clientId, row.location_id, row.sub_measure_id ? { id: row.sub_measure_id } : null),
    state: {
      step: row.step,
      score: row.score,
      comment: row.comment,
      prizeDraw: row.prize_draw,
      name: row.name_enc ? keyring.decrypt('name', row.name_enc) : null,
      email: row.email_enc ? keyring.decrypt('email', row.email_enc) : null,
    },
  };
}

export async function startConversation(
  services: Services,
  trx: Trx,
  keyring: ClientKeyring,
  start: { mobileIndex: Buffer; target: FeedbackTarget; origin: StoredConversation['origin']; receiptCode: string | null; expiresAt: Date },
): Promise<StoredConversation> {
  const row = await trx
    .insertInto('sms_conversations')
    .values({
      client_id: keyring.clientId,
      mobile_index: start.mobileIndex,
      location_id: start.target.location.id,
      sub_measure_id: start.target.subMeasure?.id ?? null,
      programme_id: start.target.programme.id,
      origin: start.origin,
      receipt_code: start.receiptCode,
      step: 'score',
      expires_at: start.expiresAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await scheduleClose(services, trx, keyring.clientId, row.id, start.expiresAt);
  return { id: row.id, origin: start.origin, receiptCode: start.receiptCode, mobileIndex: start.mobileIndex, feedbackId: null, expiresAt: start.expiresAt, state: newConversation(), target: start.target };
}

/**
 * Saves where the conversation stands after a text. Once it has a score and comment its
 * feedback is stored; once done it is closed, with its prize-draw entry.
 */
export async function saveConversation(
  services: Services,
  trx: Trx,
  keyring: ClientKeyring,
  conversation: StoredConversation,
  next: ConversationState,
  mobile: string,
  expiresAt: Date,
): Promise<StoredConversation> {
  const saved = { ...conversation, state: next, expiresAt };
  if (hasFeedback(next) && !saved.feedbackId && saved.target) {
    saved.feedbackId = await storeFeedback(services, trx, saved, mobile);
  }
  await trx
    .updateTable('sms_conversations')
    .set({
      step: next.step,
      score: next.score,
      comment: next.comment,
      prize_draw: next.prizeDraw,
      name_enc: next.name ? keyring.encrypt('name', next.name) : null,
      email_enc: next.email ? keyring.encrypt('email', next.email) : null,
      feedback_id: saved.feedbackId,
      last_message_at: new Date(),
      expires_at: expiresAt,
    })
    .where('client_id', '=', keyring.clientId)
    .where('id', '=', conversation.id)
    .execute();
  if (next.step === 'done') await closeConversation(services, trx, keyring, saved, mobile, 'completed');
  else await scheduleClose(services, trx, keyring.clientId, conversation.id, expiresAt);
  return saved;
}

/**
 * Ends a conversation, keeping what was given: a score becomes feedback even if the
 * comment never came, and a YES to the draw is an entry even without a name or email.
 */
export async function closeConversation(
  services: Services,
  trx: Trx,
  keyring: ClientKeyring,
  conversation: StoredConversation,
  mobile: string,
  end: Exclude<SmsConversationState, 'open'>,
): Promise<void> {
  let feedbackId = conversation.feedbackId;
  if (!feedbackId && conversation.state.score !== null && conversation.target) {
    feedbackId = await storeFeedback(services, trx, conversation, mobile);
  }
  if (feedbackId && conversation.state.prizeDraw === true && conversation.target) {
    await enterPrizeDraw(trx, keyring, conversation.target, feedbackId, { ...conversation.state, mobile });
  }
  await trx
    .updateTable('sms_conversations')
    .set({ state: end, closed_at: new Date(), feedback_id: feedbackId, name_enc: null, email_enc: null })
    .where('client_id', '=', keyring.clientId)
    .where('id', '=', conversation.id)
    .execute();
}

async function storeFeedback(services: Services, trx: Trx, conversation: StoredConversation, mobile: string): Promise<string> {
  const target = conversation.target as FeedbackTarget;
  const clientId = target.clientId;
  const id = randomUUID();
  await insertFeedback(services, trx, target, {
    id,
    channel: 'sms',
    formNonce: null,
    score: conversation.state.score as number,
    comment: conversation.state.comment,
    receiptCode: conversation.receiptCode,
    contact: { name: null, email: null, mobile },
    contactRequested: false,
    prizeDraw: false,
  });
  if (conversation.receiptCode) {
    await trx.updateTable('receipt_codes').set({ feedback_id: id }).where('client_id', '=', clientId).where('code', '=', conversation.receiptCode).execute();
  }
  await trx.updateTable('sms_messages').set({ feedback_id: id }).where('client_id', '=', clientId).where('conversation_id', '=', conversation.id).execute();
  // Counted as it is written: the inbound text's transaction rarely rolls back.
  countFeedbackIngested('sms');
  return id;
}

async function enterPrizeDraw(
  trx: Trx,
  keyring: ClientKeyring,
  target: FeedbackTarget,
  feedbackId: string,
  contact: { name: string | null; email: string | null; mobile: string },
): Promise<void> {
  const endCustomerId = await recordEndCustomer(trx, keyring, contact);
  await trx.updateTable('feedback').set({ end_customer_id: endCustomerId, updated_at: new Date() }).where('client_id', '=', keyring.clientId).where('id', '=', feedbackId).execute();
  await recordConsentsAndEntry(trx, target, feedbackId, endCustomerId, { contactRequested: false, prizeDraw: true });
  await enqueueFeedbackUpdated(trx, keyring.clientId, feedbackId, ['contact']);
}

async function scheduleClose(services: Services, trx: Trx, clientId: ClientId, conversationId: string, at: Date): Promise<void> {
  await services.jobs.sendInTransaction(trx, CLOSE_CONVERSATION_QUEUE, { clientId, conversationId }, { startAfter: new Date(at.getTime() + 1000) });
}
