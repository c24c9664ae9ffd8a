/**
 * The feedback.updated webhook event: a feedback as it is now (its status, category, comment
 * and case) and what changed, queued in the transaction that changed it. Raised where a
 * client's system would want to follow along:
 *   status, category     the inbox (src/feedback/inbox.ts), a first reply (src/responses),
 *                        resolving its case (src/cases)
 *   case_status          its case moved on or was resolved (src/cases, src/feedback/inbox.ts)
 *   comment              the comment added after an email score link (src/api-keys)
 *   contact              contact details given later (an SMS prize-draw entry) or corrected
 *                        on a privacy request (src/sms, src/privacy)
 *   correction_statement a statement of correction kept with it (src/privacy)
 */
import { sql } from 'kysely';
import type { ClientId, Trx } from '../db/tenancy.ts';
import { enqueueWebhookEvent } from '../webhooks/index.ts';

export type FeedbackChange = 'status' | 'category' | 'case_status' | 'comment' | 'contact' | 'correction_statement';

export async function enqueueFeedbackUpdated(trx: Trx, clientId: ClientId, feedbackId: string, changes: readonly FeedbackChange[]): Promise<void> {
  if (changes.length === 0) return;
  const wanted = await trx
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('client_id', '=', clientId)
    .where(sql<boolean>`'feedback.updated' = any(events)`)
    .limit(1)
    .executeTakeFirst();
  // Most clients have no endpoint for it: then the feedback is not read at all.
  if (!wanted) return;
  const feedback = await trx
    .selectFrom('feedback as f')
    .leftJoin('cases as c', (join) => join.onRef('c.client_id', '=', 'f.client_id').onRef('c.feedback_id', '=', 'f.id'))
    .select([
      'f.id',
      'f.programme_id',
      'f.location_id',
      'f.sub_measure_id',
      'f.channel',
      'f.scale',
      'f.score',
      'f.comment',
      'f.category',
      'f.status',
      'f.contact_requested',
      'f.end_customer_id',
      'f.submitted_at',
      'f.updated_at',
      'c.id as case_id',
      'c.status as case_status',
    ])
    .where('f.client_id', '=', clientId)
    .where('f.id', '=', feedbackId)
    .executeTakeFirst();
  if (!feedback) return;
  await enqueueWebhookEvent(
    trx,
    clientId,
    'feedback.updated',
    {
      id: feedback.id,
      changes: [...new Set(changes)],
      programmeId: feedback.programme_id,
      locationId: feedback.location_id,
      subMeasureId: feedback.sub_measure_id,
      channel: feedback.channel,
      scale: feedback.scale,
      score: feedback.score,
      comment: feedback.comment,
      category: feedback.category,
      status: feedback.status,
      contactRequested: feedback.contact_requested,
      case: feedback.case_id ? { id: feedback.case_id, status: feedback.case_status } : null,
      submittedAt: feedback.submitted_at.toISOString(),
      updatedAt: feedback.updated_at.toISOString(),
    },
    { endCustomerId: feedback.end_customer_id },
  );
}
