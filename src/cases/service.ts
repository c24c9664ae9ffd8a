/**
 * Cases: feedback that needs action, from opening to resolution. Every change is scoped to
 * the person's client and locations (withAccess, row-level security behind it) and audited
 * on the feedback, so the feedback's timeline tells the case's story.
 */
import { sql } from 'kysely';
import { findUserNames, inScope, locationAndAncestors, membersCovering, withAccess, type Access } from '../accounts/index.ts';
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import type { CaseReason, CaseStatus, ResolutionCode, Scale } from '../db/schema.ts';
import type { Trx } from '../db/tenancy.ts';
import { enqueueFeedbackUpdated } from '../feedback/index.ts';
import { enqueueWebhookEvent } from '../webhooks/index.ts';
import { openCase } from './open-case.ts';
import { loadServiceLevel } from './service-level.ts';

export interface CaseView {
  id: string;
  feedbackId: string;
  locationId: string;
  locationName: string;
  status: CaseStatus;
  reason: CaseReason;
  assignee: { id: string; name: string } | null;
  openedAt: string;
  dueAt: string;
  overdue: boolean;
  escalationLevel: number;
  firstResponseAt: string | null;
  resolvedAt: string | null;
  resolutionCode: ResolutionCode | null;
  resolutionNote: string | null;
  followUp: { channel: 'email' | 'sms'; sentAt: string | null; answer: 'yes' | 'no' | null; answeredAt: string | null } | null;
  feedback: { score: number; scale: Scale; comment: string; submittedAt: string };
}

function casesQuery(trx: Trx, access: Access) {
  return trx
    .selectFrom('cases as c')
    .innerJoin('feedback as f', (j) => j.onRef('f.client_id', '=', 'c.client_id').onRef('f.id', '=', 'c.feedback_id'))
    .innerJoin('locations as l', (j) => j.onRef('l.client_id', '=', 'c.client_id').onRef('l.id', '=', 'c.location_id'))
    .select([
      'c.id',
      'c.feedback_id',
      'c.location_id',
      'l.name as location_name',
      'c.status',
      'c.reason',
      'c.assignee_user_id',
      'c.opened_at',
      'c.due_at',
      'c.escalation_level',
      'c.first_response_at',
      'c.resolved_at',
      'c.resolution_code',
      'c.resolution_note',
      'c.follow_up_channel',
      'c.follow_up_sent_at',
      'c.follow_up_answer',
      'c.follow_up_answered_at',
      'f.score',
      'f.scale',
      'f.comment',
      'f.submitted_at',
    ])
    .where('c.client_id', '=', access.clientId);
}

type CaseRow = Awaited<ReturnType<ReturnType<typeof casesQuery>['execute']>>[number];

async function present(services: Services, rows: CaseRow[]): Promise<CaseView[]> {
  const ids = rows.map((r) => r.assignee_user_id).filter((id): id is string => id !== null);
  const names = new Map((await findUserNames(services.db, ids)).map((u) => [u.id, u.name]));
  const now = Date.now();
  return rows.map((r) => ({
    id: r.id,
    feedbackId: r.feedback_id,
    locationId: r.location_id,
    locationName: r.location_name,
    status: r.status,
    reason: r.reason,
    assignee: r.assignee_user_id ? { id: r.assignee_user_id, name: names.get(r.assignee_user_id) ?? 'Former member' } : null,
    openedAt: r.opened_at.toISOString(),
    dueAt: r.due_at.toISOString(),
    overdue: r.status !== 'resolved' && r.due_at.getTime() < now,
    escalationLevel: r.escalation_level,
    firstResponseAt: r.first_response_at?.toISOString() ?? null,
    resolvedAt: r.resolved_at?.toISOString() ?? null,
    resolutionCode: r.resolution_code,
    resolutionNote: r.resolution_note,
    followUp: r.follow_up_channel
      ? { channel: r.follow_up_channel, sentAt: r.follow_up_sent_at?.toISOString() ?? null, answer: r.follow_up_answer, answeredAt: r.follow_up_answered_at?.toISOString() ?? null }
      : null,
    feedback: { score: r.score, scale: r.scale, comment: r.comment, submittedAt: r.submitted_at.toISOString() },
  }));
}

export interface CaseListQuery {
  view: 'mine' | 'team' | 'unassigned';
  status: 'open' | 'resolved' | 'all';
  limit: number;
}

/**
 * The person's cases (assigned to them), their team's (every case they may see) or the
 * unassigned ones. Open cases come overdue first, then by due time; resolved ones latest first.
 */
export async function listCases(services: Services, access: Access, query: CaseListQuery): Promise<CaseView[]> {
  const rows = await withAccess(services.db, access, (trx) => {
    let q = casesQuery(trx, access);
    if (query.view === 'mine') q = q.where('c.assignee_user_id', '=', access.userId);
    if (query.view === 'unassigned') q = q.where('c.assignee_user_id', 'is', null);
    if (query.status === 'open') q = q.where('c.status', '<>', 'resolved');
    if (query.status === 'resolved') q = q.where('c.status', '=', 'resolved');
    return q
      .orderBy(sql`c.status = 'resolved'`)
      .orderBy(sql`CASE WHEN c.status <> 'resolved' THEN c.due_at END`)
      .orderBy('c.resolved_at', 'desc')
      .orderBy('c.id')
      .limit(query.limit)
      .execute();
  });
  return present(services, rows);
}

export async function findCase(services: Services, access: Access, caseId: string): Promise<CaseView | null> {
  const row = await withAccess(services.db, access, (trx) => casesQuery(trx, access).where('c.id', '=', caseId).executeTakeFirst());
  if (!row || !inScope(access, row.location_id)) return null;
  return (await present(services, [row]))[0] ?? null;
}

export async function findCaseOfFeedback(services: Services, access: Access, feedbackId: string): Promise<CaseView | null> {
  const row = await withAccess(services.db, access, (trx) => casesQuery(trx, access).where('c.feedback_id', '=', feedbackId).executeTakeFirst());
  if (!row || !inScope(access, row.location_id)) return null;
  return (await present(services, [row]))[0] ?? null;
}

export type CaseChangeResult = { ok: true; case: CaseView } | { ok: false; reason: 'not_found' | 'assignee_not_allowed' | 'already_resolved' | 'exists' };

/** Opens a case on a feedback by hand. */
export async function openCaseByHand(services: Services, access: Access, feedbackId: string, assigneeUserId: string | null): Promise<CaseChangeResult> {
  const opened = await withAccess(services.db, access, async (trx) => {
    const feedback = await trx.selectFrom('feedback').select(['id', 'location_id']).where('client_id', '=', access.clientId).where('id', '=', feedbackId).executeTakeFirst();
    if (!feedback || !inScope(access, feedback.location_id)) return 'not_found' as const;
    if (assigneeUserId && !(await mayBeAssigned(trx, access, assigneeUserId, feedback.location_id))) return 'assignee_not_allowed' as const;
    const level = await loadServiceLevel(trx, access.clientId);
    const id = await openCase(trx, level, { clientId: access.clientId, feedbackId, locationId: feedback.location_id, reason: 'manual', ruleId: null, assigneeUserId, openedBy: access.userId });
    return id ?? ('exists' as const);
  });
  if (opened === 'not_found' || opened === 'assignee_not_allowed' || opened === 'exists') return { ok: false, reason: opened };
  const view = await findCase(services, access, opened);
  return view ? { ok: true, case: view } : { ok: false, reason: 'not_found' };
}

/** Assigns (or unassigns) a case, or marks it in progress. */
export async function updateCase(
  services: Services,
  access: Access,
  caseId: string,
  change: { assigneeUserId?: string | null | undefined; status?: 'new' | 'in_progress' | undefined },
): Promise<CaseChangeResult> {
  const outcome = await withAccess(services.db, access, async (trx) => {
    const found = await lockCase(trx, access, caseId);
    if (!found) return 'not_found' as const;
    if (found.status === 'resolved') return 'already_resolved' as const;
    const set: { assignee_user_id?: string | null; status?: CaseStatus; updated_at: Date } = { updated_at: new Date() };
    if (change.assigneeUserId !== undefined && change.assigneeUserId !== found.assignee_user_id) {
      if (change.assigneeUserId && !(await mayBeAssigned(trx, access, change.assigneeUserId, found.location_id))) return 'assignee_not_allowed' as const;
      set.assignee_user_id = change.assigneeUserId;
      await audit(trx, access, found.feedback_id, 'case.assigned', { case_id: caseId, assignee_user_id: change.assigneeUserId ?? 'nobody' });
    }
    if (change.status && change.status !== found.status) {
      set.status = change.status;
      await audit(trx, access, found.feedback_id, 'case.status_changed', { case_id: caseId, from: found.status, to: change.status });
    }
    await trx.updateTable('cases').set(set).where('client_id', '=', access.clientId).where('id', '=', caseId).execute();
    if (set.status) await enqueueFeedbackUpdated(trx, access.clientId, found.feedback_id, ['case_status']);
    return 'ok' as const;
  });
  if (outcome !== 'ok') return { ok: false, reason: outcome };
  const view = await findCase(services, access, caseId);
  return view ? { ok: true, case: view } : { ok: false, reason: 'not_found' };
}

export interface Resolution {
  resolutionCode: ResolutionCode;
  note: string;
}

/** Resolves the case and its feedback, in one transaction. */
export async function resolveCase(services: Services, access: Access, caseId: string, resolution: Resolution, afterResolve?: (trx: Trx, found: LockedCase) => Promise<void>): Promise<CaseChangeResult> {
  const outcome = await withAccess(services.db, access, async (trx) => {
    const found = await lockCase(trx, access, caseId);
    if (!found) return 'not_found' as const;
    if (found.status === 'resolved') return 'already_resolved' as const;
    const now = new Date();
    await trx
      .updateTable('cases')
      .set({ status: 'resolved', resolved_at: now, resolved_by: access.userId, resolution_code: resolution.resolutionCode, resolution_note: resolution.note || null, updated_at: now })
      .where('client_id', '=', access.clientId)
      .where('id', '=', caseId)
      .execute();
    const feedback = await trx.selectFrom('feedback').select('status').where('client_id', '=', access.clientId).where('id', '=', found.feedback_id).executeTakeFirstOrThrow();
    if (feedback.status !== 'resolved') {
      await trx.updateTable('feedback').set({ status: 'resolved', updated_at: now }).where('client_id', '=', access.clientId).where('id', '=', found.feedback_id).execute();
      await audit(trx, access, found.feedback_id, 'feedback.status_changed', { from: feedback.status, to: 'resolved' });
    }
    await audit(trx, access, found.feedback_id, 'case.resolved', { case_id: caseId, resolution_code: resolution.resolutionCode, on_time: now <= found.due_at });
    await enqueueWebhookEvent(trx, access.clientId, 'case.resolved', { id: caseId, feedbackId: found.feedback_id, resolutionCode: resolution.resolutionCode, resolvedAt: now.toISOString() });
    await enqueueFeedbackUpdated(trx, access.clientId, found.feedback_id, feedback.status !== 'resolved' ? ['case_status', 'status'] : ['case_status']);
    await afterResolve?.(trx, found);
    return 'ok' as const;
  });
  if (outcome !== 'ok') return { ok: false, reason: outcome };
  const view = await findCase(services, access, caseId);
  return view ? { ok: true, case: view } : { ok: false, reason: 'not_found' };
}

export type LockedCase = NonNullable<Awaited<ReturnType<typeof lockCase>>>;

async function lockCase(trx: Trx, access: Access, caseId: string) {
  const found = await trx
    .selectFrom('cases')
    .select(['id', 'feedback_id', 'location_id', 'status', 'assignee_user_id', 'due_at'])
    .where('client_id', '=', access.clientId)
    .where('id', '=', caseId)
    .forUpdate()
    .executeTakeFirst();
  return found && inScope(access, found.location_id) ? found : null;
}

const ASSIGNABLE_ROLES = ['owner', 'admin', 'manager'] as const;

/** Who may take the case: owners, admins and managers who can see its location. */
export async function listAssignees(services: Services, access: Access, caseId: string): Promise<{ id: string; name: string; role: string }[] | null> {
  const found = await withAccess(services.db, access, async (trx) => {
    const row = await trx.selectFrom('cases').select(['location_id']).where('client_id', '=', access.clientId).where('id', '=', caseId).executeTakeFirst();
    if (!row || !inScope(access, row.location_id)) return null;
    const ids = await assignableMembers(trx, access, row.location_id);
    if (ids.length === 0) return [];
    return trx.selectFrom('memberships').select(['user_id', 'role']).where('client_id', '=', access.clientId).where('user_id', 'in', ids).execute();
  });
  if (!found) return null;
  const names = new Map((await findUserNames(services.db, found.map((m) => m.user_id))).map((u) => [u.id, u.name]));
  return found.map((m) => ({ id: m.user_id, name: names.get(m.user_id) ?? 'Member', role: m.role })).sort((a, b) => a.name.localeCompare(b.name));
}

/** A case goes to someone who may act on it: an owner, admin or manager who can see its location. */
async function assignableMembers(trx: Trx, access: Access, locationId: string): Promise<string[]> {
  return membersCovering(trx, access.clientId, ASSIGNABLE_ROLES, await locationAndAncestors(trx, access.clientId, locationId));
}

async function mayBeAssigned(trx: Trx, access: Access, userId: string, locationId: string): Promise<boolean> {
  return (await assignableMembers(trx, access, locationId)).includes(userId);
}

function audit(trx: Trx, access: Access, feedbackId: string, action: string, details: Record<string, string | number | boolean>) {
  return appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action, subjectKind: 'feedback', subjectId: feedbackId, details });
}

/** A reply to the customer counts as the case's first response and moves a new case on. */
export async function noteCaseResponse(trx: Trx, clientId: string, feedbackId: string, at: Date): Promise<void> {
  await trx
    .updateTable('cases')
    .set((eb) => ({
      first_response_at: eb.fn.coalesce('first_response_at', sql<Date>`${at}::timestamptz`),
      status: sql<CaseStatus>`CASE WHEN status = 'new' THEN 'in_progress' ELSE status END`,
      updated_at: at,
    }))
    .where('client_id', '=', clientId)
    .where('feedback_id', '=', feedbackId)
    .execute();
}
