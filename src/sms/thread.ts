/** The texts behind a feedback, decrypted for the portal: the conversation and any replies. */
import { can, inScope, withAccess, type Access } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import type { SmsMessageKind, SmsMessageStatus } from '../db/schema.ts';

export interface ThreadMessage {
  id: string;
  direction: 'inbound' | 'outbound';
  kind: SmsMessageKind;
  /** Null when the text holds contact details the viewer may not see. */
  body: string | null;
  status: SmsMessageStatus;
  segments: number;
  encoding: 'GSM-7' | 'UCS-2' | null;
  error: string | null;
  createdAt: string;
  sentAt: string | null;
}

/** The feedback's texts, oldest first; null when the feedback is not the viewer's to see. */
export async function listFeedbackTexts(services: Services, access: Access, feedbackId: string): Promise<ThreadMessage[] | null> {
  return withAccess(services.db, access, async (trx) => {
    const feedback = await trx.selectFrom('feedback').select(['id', 'location_id']).where('client_id', '=', access.clientId).where('id', '=', feedbackId).executeTakeFirst();
    if (!feedback || !inScope(access, feedback.location_id)) return null;
    const conversationIds = trx.selectFrom('sms_conversations').select('id').where('client_id', '=', access.clientId).where('feedback_id', '=', feedbackId);
    const rows = await trx
      .selectFrom('sms_messages')
      .select(['id', 'direction', 'kind', 'body_enc', 'holds_contact', 'status', 'segments', 'encoding', 'error', 'created_at', 'sent_at'])
      .where('client_id', '=', access.clientId)
      .where((eb) => eb.or([eb('feedback_id', '=', feedbackId), eb('conversation_id', 'in', conversationIds)]))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    if (rows.length === 0) return [];
    const keyring = await services.keyrings.keyringFor(trx, access.clientId);
    const mayReadContact = can(access, 'contact.read');
    return rows.map((r) => ({
      id: r.id,
      direction: r.direction,
      kind: r.kind,
      body: r.holds_contact && !mayReadContact ? null : keyring.decrypt('message', r.body_enc),
      status: r.status,
      segments: r.segments,
      encoding: r.encoding,
      error: r.error,
      createdAt: r.created_at.toISOString(),
      sentAt: r.sent_at?.toISOString() ?? null,
    }));
  });
}
