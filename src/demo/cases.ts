/**
 * The demo's cases: the default rule's work over the last three weeks, as if Hark had been
 * running. Recent unhappy feedback has open cases (some overdue), older ones were resolved
 * with a code and note, and some customers answered "did we fix it?". No alerts are written,
 * and overdue cases are at the escalation level they would have reached: starting the demo
 * sends no mail.
 */
import { appendAudit } from '../audit/index.ts';
import { addBusinessHours } from '../cases/business-time.ts';
import type { ServiceLevel } from '../cases/service-level.ts';
import type { ResolutionCode } from '../db/schema.ts';
import type { ClientId, Trx } from '../db/tenancy.ts';

export interface DemoCaseFeedback {
  id: string;
  location_id: string;
  score: number;
  submitted_at: Date;
  end_customer_id: string | null;
  /** 'resolved' when the demo's older complaints were answered already. */
  status: string;
}

const DAY_MS = 86_400_000;
const codes: ResolutionCode[] = ['apologised', 'fixed', 'refunded', 'explained', 'fixed', 'apologised'];
const notes = [
  'Called the customer and apologised; voucher sent.',
  'Spoke with the shift lead about wait times at lunch.',
  'Refunded the order.',
  'Replaced the grinder burrs; espresso back to normal.',
  'Explained the new opening hours.',
];

/** The level the escalation would have reached by now (see cases/escalation.ts), so that none is due at start. */
function escalationLevelAt(openedAt: Date, dueAt: Date, now: number): number {
  if (dueAt.getTime() >= now) return 0;
  return dueAt.getTime() + (dueAt.getTime() - openedAt.getTime()) <= now ? 2 : 1;
}

export async function seedDemoCases(
  trx: Trx,
  clientId: ClientId,
  level: ServiceLevel,
  feedback: DemoCaseFeedback[],
  people: { ownerId: string; managerId: string; managerLocationIds: ReadonlySet<string> },
  random: () => number,
): Promise<number> {
  const now = Date.now();
  const unhappy = feedback.filter((f) => f.score <= 6 && f.submitted_at.getTime() > now - 21 * DAY_MS);
  for (const f of unhappy) {
    const openedAt = new Date(f.submitted_at.getTime() + 1000);
    const dueAt = addBusinessHours(openedAt, level.caseDueHours, level);
    const assignee = people.managerLocationIds.has(f.location_id) ? people.managerId : random() < 0.5 ? people.ownerId : null;
    const answeredAlready = f.status === 'resolved';
    const resolvedLong = answeredAlready || (openedAt.getTime() < now - 2 * DAY_MS && random() < 0.85);
    const resolvedAt = resolvedLong
      ? new Date(Math.min(now - 3_600_000, openedAt.getTime() + (answeredAlready ? 18.2 : 4 + random() * 40) * 3_600_000))
      : null;
    const firstResponseAt = resolvedAt ?? (random() < 0.5 ? new Date(Math.min(now - 60_000, openedAt.getTime() + (1 + random() * 6) * 3_600_000)) : null);
    const followUp = resolvedAt && f.end_customer_id && random() < 0.6;
    const answer = followUp && resolvedAt.getTime() < now - DAY_MS && random() < 0.75 ? (random() < 0.72 ? 'yes' : 'no') : null;
    const code = codes[Math.floor(random() * codes.length)] as ResolutionCode;
    const row = await trx
      .insertInto('cases')
      .values({
        client_id: clientId,
        feedback_id: f.id,
        location_id: f.location_id,
        status: resolvedAt ? 'resolved' : firstResponseAt ? 'in_progress' : 'new',
        reason: 'low_score',
        assignee_user_id: assignee,
        opened_at: openedAt,
        due_at: dueAt,
        escalation_level: resolvedAt ? 0 : escalationLevelAt(openedAt, dueAt, now),
        escalated_at: !resolvedAt && dueAt.getTime() < now ? dueAt : null,
        first_response_at: firstResponseAt,
        resolved_at: resolvedAt,
        resolved_by: resolvedAt ? (assignee ?? people.ownerId) : null,
        resolution_code: resolvedAt ? code : null,
        resolution_note: resolvedAt ? (notes[Math.floor(random() * notes.length)] as string) : null,
        follow_up_channel: followUp ? 'email' : null,
        follow_up_sent_at: followUp ? resolvedAt : null,
        follow_up_answer: answer,
        follow_up_answered_at: answer && resolvedAt ? new Date(resolvedAt.getTime() + 20 * 3_600_000) : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (!resolvedAt && firstResponseAt) {
      await trx.updateTable('feedback').set({ status: 'in_progress' }).where('client_id', '=', clientId).where('id', '=', f.id).execute();
    }
    if (resolvedAt) {
      await trx.updateTable('feedback').set({ status: 'resolved' }).where('client_id', '=', clientId).where('id', '=', f.id).execute();
      await appendAudit(trx, {
        clientId,
        actorKind: 'user',
        actorId: assignee ?? people.ownerId,
        action: 'case.resolved',
        subjectKind: 'feedback',
        subjectId: f.id,
        details: { case_id: row.id, resolution_code: code, on_time: resolvedAt <= dueAt },
      });
    }
  }
  return unhappy.length;
}
