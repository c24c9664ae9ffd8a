/**
 * The demo's text conversations: each recent feedback given by SMS gets the texts that
 * would have produced it (code, question, score, follow-up, comment, draw offer, thanks),
 * worded by the same functions a live conversation uses, and a customer known by mobile.
 */
import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { EndCustomersTable, SmsConversationsTable, SmsMessagesTable, SmsRecipientsTable } from '../db/schema.ts';
import type { ClientKeyring } from '../keys/index.ts';
import { countSegments } from '../sms/segments.ts';
import * as say from '../sms/wording.ts';
import type { ConversationWording } from '../sms/wording.ts';

export interface DemoSmsFeedback {
  id: string;
  location_id: string;
  score: number;
  comment: string;
  submitted_at: Date;
  end_customer_id: string | null;
}

export interface DemoTexts {
  /** New end customers (mobile only), and mobiles to add to existing ones. */
  customers: Insertable<EndCustomersTable>[];
  mobilesForExisting: { id: string; mobile_enc: Buffer; mobile_index: Buffer }[];
  /** Feedback id → the end customer it now belongs to. */
  customerOf: Map<string, string>;
  recipients: Insertable<SmsRecipientsTable>[];
  conversations: Insertable<SmsConversationsTable>[];
  messages: Insertable<SmsMessagesTable>[];
}

export function demoTextThreads(
  keyring: ClientKeyring,
  feedback: DemoSmsFeedback[],
  programmeId: string,
  places: Map<string, { smsCode: string; wording: ConversationWording }>,
  random: () => number,
): DemoTexts {
  const mobiles = new Set<string>();
  const texts: DemoTexts = { customers: [], mobilesForExisting: [], customerOf: new Map(), recipients: [], conversations: [], messages: [] };
  const clientId = keyring.clientId;
  for (const f of feedback) {
    const place = places.get(f.location_id);
    if (!place) continue;
    let mobile: string;
    do mobile = `+6421${String(1_000_000 + Math.floor(random() * 8_999_999))}`;
    while (mobiles.has(mobile));
    mobiles.add(mobile);
    const mobileIndex = keyring.blindIndex('mobile', mobile);
    const mobileEnc = keyring.encrypt('mobile', mobile);
    if (f.end_customer_id) {
      texts.mobilesForExisting.push({ id: f.end_customer_id, mobile_enc: mobileEnc, mobile_index: mobileIndex });
      texts.customerOf.set(f.id, f.end_customer_id);
    } else {
      const id = randomUUID();
      texts.customers.push({ client_id: clientId, id, mobile_enc: mobileEnc, mobile_index: mobileIndex, created_at: f.submitted_at });
      texts.customerOf.set(f.id, id);
    }
    texts.recipients.push({ client_id: clientId, mobile_index: mobileIndex, mobile_enc: keyring.encrypt('mobile', mobile), created_at: f.submitted_at, updated_at: f.submitted_at });

    const conversationId = randomUUID();
    const w = place.wording;
    const start = f.submitted_at.getTime() - 90_000;
    const exchange: [('inbound' | 'outbound'), string][] = [
      ['inbound', place.smsCode],
      ['outbound', say.opening(w)],
      ['inbound', String(f.score)],
      ['outbound', say.askComment(w)],
      ['inbound', f.comment || 'no'],
      ...(w.prizeDrawEnabled ? [['outbound', say.offerPrizeDraw(w)] as ['outbound', string], ['inbound', 'no thanks'] as ['inbound', string]] : []),
      ['outbound', say.thanks(w, false)],
    ];
    texts.conversations.push({
      client_id: clientId,
      id: conversationId,
      mobile_index: mobileIndex,
      location_id: f.location_id,
      programme_id: programmeId,
      origin: 'sms_code',
      step: 'done',
      state: 'completed',
      score: f.score,
      comment: f.comment,
      prize_draw: w.prizeDrawEnabled ? false : null,
      feedback_id: f.id,
      started_at: new Date(start),
      last_message_at: f.submitted_at,
      expires_at: new Date(f.submitted_at.getTime() + 3_600_000),
      closed_at: f.submitted_at,
    });
    exchange.forEach(([direction, body], i) => {
      const at = new Date(start + i * 15_000);
      const { encoding, segments } = countSegments(body);
      texts.messages.push({
        client_id: clientId,
        direction,
        kind: 'conversation',
        mobile_index: mobileIndex,
        mobile_enc: mobileEnc,
        body_enc: keyring.encrypt('message', body),
        encoding,
        segments: Math.max(1, segments),
        location_id: f.location_id,
        conversation_id: conversationId,
        feedback_id: f.id,
        provider: 'dev',
        provider_message_id: `dev-demo-${randomUUID()}`,
        status: direction === 'inbound' ? 'received' : 'delivered',
        created_at: at,
        sent_at: direction === 'outbound' ? at : null,
        status_at: at,
      });
    });
  }
  return texts;
}
