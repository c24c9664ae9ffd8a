/**
 * Replies to end customers and internal notes on a feedback. A reply by email or text is
 * recorded as queued and sent by a job; a note is recorded only. The first reply marks the
 * feedback's first-response time and moves a new feedback to in progress.
 */
import { appendAudit } from '../audit/index.ts';
import { inScope, withAccess, type Access } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import type { ResponseKind } from '../db/schema.ts';
import { noteCaseResponse } from '../cases/service.ts';
import { enqueueFeedbackUpdated } from '../feedback/index.ts';
import { findReplyRecipient, queueStaffReply } from '../sms/index.ts';

export type RecordResponseResult =
  | { ok: true; responseId: string; status: 'queued' | 'recorded'; sendAfter: Date | null }
  | { ok: false; reason: 'not_found' | 'no_email' | 'no_mobile' | 'opted_out' | 'no_sms_number' | 'forbidden' };

export async function recordResponse(
  services: Services,
  access: Access,
  feedbackId: string,
  input: { kind: ResponseKind; subject?: string | undefined; body: string },
): Promise<RecordResponseResult> {
  return withAccess(services.db, access, async (trx) => {
    const feedback = await trx
      .selectFrom('feedback')
      .select(['id', 'location_id', 'end_customer_id', 'status', 'first_response_at'])
      .where('client_id', '=', access.clientId)
      .where('id', '=', feedbackId)
      .forUpdate()
      .executeTakeFirst();
    if (!feedback || !inScope(access, feedback.location_id)) return { ok: false, reason: 'not_found' } as const;
    if (input.kind === 'email') {
      const customer = feedback.end_customer_id
        ? await trx.selectFrom('end_customers').select('email_enc').where('client_id', '=', access.clientId).where('id', '=', feedback.end_customer_id).executeTakeFirst()
        : undefined;
      if (!customer?.email_enc) return { ok: false, reason: 'no_email' } as const;
    }
    const textTo = input.kind === 'sms' ? await findReplyRecipient(services, trx, access.clientId, feedback.end_customer_id) : null;
    if (typeof textTo === 'string') return { ok: false, reason: textTo } as const;
    const status = input.kind === 'note' ? ('recorded' as const) : ('queued' as const);
    let sendAfter: Date | null = null;
    const response = await trx
      .insertInto('responses')
      .values({
        client_id: access.clientId,
        feedback_id: feedback.id,
        location_id: feedback.location_id,
        kind: input.kind,
        author_user_id: access.userId,
        subject: input.subject ?? null,
        body: input.body,
        status,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (input.kind !== 'note') {
      await trx
        .updateTable('feedback')
        .set({
          first_response_at: feedback.first_response_at ?? new Date(),
          status: feedback.status === 'new' ? 'in_progress' : feedback.status,
          updated_at: new Date(),
        })
        .where('client_id', '=', access.clientId)
        .where('id', '=', feedback.id)
        .execute();
      await noteCaseResponse(trx, access.clientId, feedback.id, new Date());
      if (feedback.status === 'new') await enqueueFeedbackUpdated(trx, access.clientId, feedback.id, ['status']);
      if (textTo) {
        ({ sendAfter } = await queueStaffReply(services, trx, textTo, { feedbackId: feedback.id, locationId: feedback.location_id, responseId: response.id, body: input.body }));
      } else {
        await services.jobs.sendInTransaction(trx, 'send-response', { clientId: access.clientId, responseId: response.id });
      }
    }
    await appendAudit(trx, {
      clientId: access.clientId,
      actorKind: 'user',
      actorId: access.userId,
      action: input.kind === 'note' ? 'feedback.note_added' : 'response.queued',
      subjectKind: 'feedback',
      subjectId: feedback.id,
      details: { response_id: response.id, kind: input.kind },
    });
    return { ok: true, responseId: response.id, status, sendAfter } as const;
  });
}

export interface TimelineResponse {
  id: string;
  kind: ResponseKind;
  direction: 'outbound' | 'inbound';
  authorUserId: string | null;
  subject: string | null;
  body: string;
  status: string;
  error: string | null;
  createdAt: string;
  sentAt: string | null;
}

export async function listResponses(services: Services, access: Access, feedbackId: string): Promise<TimelineResponse[]> {
  const rows = await withAccess(services.db, access, (trx) =>
    trx
      .selectFrom('responses')
      .selectAll()
      .where('client_id', '=', access.clientId)
      .where('feedback_id', '=', feedbackId)
      .orderBy('created_at')
      .execute(),
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    direction: r.direction,
    authorUserId: r.author_user_id,
    subject: r.subject,
    body: r.body,
    status: r.status,
    error: r.error,
    createdAt: r.created_at.toISOString(),
    sentAt: r.sent_at?.toISOString() ?? null,
  }));
}
