/** Opening a case for a feedback: once per feedback, due by the client's service level. */
import { appendAudit } from '../audit/index.ts';
import { enqueueWebhookEvents } from '../webhooks/index.ts';
import type { CaseReason } from '../db/schema.ts';
import type { ClientId, Trx } from '../db/tenancy.ts';
import { addBusinessHoursFromNow } from './business-time.ts';
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
  const [id] = await openCases(trx, level, [opening]);
  return id ?? null;
}

/**
 * Opens the cases of many feedback of one client in one statement (a batch of feedback
 * whose rules open cases), each due by the service level from `now`. Returns, in order,
 * each new case's id, or null where the feedback has a case already.
 */
export async function openCases(trx: Trx, level: ServiceLevel, openings: readonly CaseOpening[], now = new Date()): Promise<(string | null)[]> {
  if (openings.length === 0) return [];
  const clientId = openings[0]!.clientId;
  const dueAt = addBusinessHoursFromNow(now, level.caseDueHours, level);
  const rows = await trx
    .insertInto('cases')
    .values(
      openings.map((opening) => ({
        client_id: opening.clientId,
        feedback_id: opening.feedbackId,
        location_id: opening.locationId,
        reason: opening.reason,
        rule_id: opening.ruleId,
        assignee_user_id: opening.assigneeUserId,
        opened_at: now,
        due_at: dueAt,
      })),
    )
    .onConflict((oc) => oc.columns(['client_id', 'feedback_id']).doNothing())
    .returning(['id', 'feedback_id'])
    .execute();
  const opened = new Map(rows.map((r) => [r.feedback_id, r.id]));
  const ids = openings.map((o) => opened.get(o.feedbackId) ?? null);
  await enqueueWebhookEvents(
    trx,
    clientId,
    'case.opened',
    openings.flatMap((o, i) => (ids[i] ? [{ data: { id: ids[i], feedbackId: o.feedbackId, locationId: o.locationId, reason: o.reason, openedAt: now.toISOString() } }] : [])),
  );
  // A rule's case is written on the feedback's own path and is its own record (the case row,
  // with its reason and rule); only a person opening one is an act for the audit log.
  for (const [i, opening] of openings.entries()) {
    const id = ids[i];
    if (!id || !opening.openedBy) continue;
    await appendAudit(trx, {
      clientId: opening.clientId,
      actorKind: 'user',
      actorId: opening.openedBy,
      action: 'case.opened',
      subjectKind: 'feedback',
      subjectId: opening.feedbackId,
      details: { case_id: id, reason: opening.reason, ...(opening.assigneeUserId ? { assignee_user_id: opening.assigneeUserId } : {}) },
    });
  }
  return ids;
}
