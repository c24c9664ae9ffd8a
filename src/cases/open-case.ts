/** Opening a case for a feedback: once per feedback, due by the client's service level. */
import { appendAudit } from '../audit/index.ts';
import { enqueueWebhookEvent } from '../webhooks/index.ts';
import type { CaseReason } from '../db/schema.ts';
import type { ClientId, Trx } from '../db/tenancy.ts';
import { addBusinessHours } from './business-time.ts';
import type { ServiceLevel } from './service-level.ts';

export interface CaseOpening {
  clientId: ClientId;
  feedbackId: string;
  locationId: string;
  reason: CaseReason;
  ruleId: string | null;
  assigneeUserId: string | null;
  /** Who opened it by hand; null when a rule did. */
  openedBy: string | null;
}

/** Opens the feedback's case, or returns null when it has one already. */
export async function openCase(trx: Trx, level: ServiceLevel, opening: CaseOpening): Promise<string | null> {
  const now = new Date();
  const row = await trx
    .insertInto('cases')
    .values({
      client_id: opening.clientId,
      feedback_id: opening.feedbackId,
      location_id: opening.locationId,
      reason: opening.reason,
      rule_id: opening.ruleId,
      assignee_user_id: opening.assigneeUserId,
      opened_at: now,
      due_at: addBusinessHours(now, level.caseDueHours, level),
    })
    .onConflict((oc) => oc.columns(['client_id', 'feedback_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) return null;
  await enqueueWebhookEvent(trx, opening.clientId, 'case.opened', { id: row.id, feedbackId: opening.feedbackId, locationId: opening.locationId, reason: opening.reason, openedAt: now.toISOString() });
  // A rule's case is written on the feedback's own path and is its own record (the case row,
  // with its reason and rule); only a person opening one is an act for the audit log.
  if (!opening.openedBy) return row.id;
  await appendAudit(trx, {
    clientId: opening.clientId,
    actorKind: 'user',
    actorId: opening.openedBy,
    action: 'case.opened',
    subjectKind: 'feedback',
    subjectId: opening.feedbackId,
    details: { case_id: row.id, reason: opening.reason, ...(opening.assigneeUserId ? { assignee_user_id: opening.assigneeUserId } : {}) },
  });
  return row.id;
}
