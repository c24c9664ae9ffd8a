/**
 * The portal's view of feedback: the inbox (newest first, filtered, paged by keyset so a
 * page deep in the list costs the same as the first), a feedback's detail with its
 * timeline, and changes of status and category. Every query runs under the caller's access
 * (client and location scope, with row-level security behind it).
 */
import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely';
import { can, findUserNames, inScope, withAccess, type Access } from '../accounts/index.ts';
import { raiseAlerts } from '../alerts/index.ts';
import { appendAudit } from '../audit/index.ts';
import { commentAnalysisCondition, themeExists } from '../comments/index.ts';
import type { Services } from '../context.ts';
import type { Database, FeedbackCategory, FeedbackStatus, Scale } from '../db/schema.ts';
import type { ClientId, Trx } from '../db/tenancy.ts';
import { readContactDetails } from '../end-customers/index.ts';
import { scoreBandOf, scoreBands, type ScoreBandName } from '../programmes/index.ts';
import { fillTemplate, listResponses } from '../responses/index.ts';
import type { FeedbackDetail, FeedbackItem, InboxQuery } from './inbox-schemas.ts';
import { readCorrectionStatements } from '../privacy/requests/index.ts';
import { enqueueWebhookEvent } from '../webhooks/index.ts';
import { enqueueFeedbackUpdated, type FeedbackChange } from './feedback-updated.ts';

type InboxRow = {
  id: string;
  score: number;
  scale: Scale;
  comment: string;
  channel: FeedbackItem['channel'];
  status: FeedbackStatus;
  category: FeedbackCategory;
  location_id: string;
  location_name: string;
  sub_measure_id: string | null;
  sub_measure_name: string | null;
  submitted_at: Date;
  end_customer_id: string | null;
  contact_requested: boolean;
  first_response_at: Date | null;
};

function encodeCursor(row: { submitted_at: Date; id: string }): string {
  return Buffer.from(`${row.submitted_at.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: string } | null {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!at || !id || !/^[0-9a-f-]{36}$/.test(id)) return null;
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? null : { at: date, id };
}

export class InvalidCursorError extends Error {}

function bandCondition(eb: ExpressionBuilder<Database & { f: Database['feedback'] }, 'f'>, band: ScoreBandName) {
  return eb.or(
    (Object.keys(scoreBands) as Scale[]).map((scale) => {
      const [low, high] = scoreBands[scale][band];
      return eb.and([eb('f.scale', '=', scale), eb('f.score', '>=', low), eb('f.score', '<=', high)]);
    }),
  );
}

function selectInbox(trx: Trx, access: Access) {
  return trx
    .selectFrom('feedback as f')
    .innerJoin('locations as l', (join) => join.onRef('l.client_id', '=', 'f.client_id').onRef('l.id', '=', 'f.location_id'))
    .leftJoin('sub_measures as sm', (join) => join.onRef('sm.client_id', '=', 'f.client_id').onRef('sm.id', '=', 'f.sub_measure_id'))
    .select([
      'f.id',
      'f.score',
      'f.scale',
      'f.comment',
      'f.channel',
      'f.status',
      'f.category',
      'f.location_id',
      'l.name as location_name',
      'f.sub_measure_id',
      'sm.name as sub_measure_name',
      'f.submitted_at',
      'f.end_customer_id',
      'f.contact_requested',
      'f.first_response_at',
    ])
    .where('f.client_id', '=', access.clientId);
}

function presentItem(row: InboxRow): FeedbackItem {
  return {
    id: row.id,
    score: row.score,
    scale: row.scale,
    scoreBand: scoreBandOf(row.scale, row.score),
    comment: row.comment,
    channel: row.channel,
    status: row.status,
    category: row.category,
    locationId: row.location_id,
    locationName: row.location_name,
    subMeasureId: row.sub_measure_id,
    subMeasureName: row.sub_measure_name,
    submittedAt: row.submitted_at.toISOString(),
    hasContact: row.end_customer_id !== null,
    contactRequested: row.contact_requested,
    responded: row.first_response_at !== null,
  };
}

async function locationSubtree(trx: Trx, access: Access, locationId: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    with recursive tree(id) as (
      select id from locations where client_id = ${access.clientId} and id = ${locationId}
      union
      select l.id from locations l join tree t on l.parent_id = t.id where l.client_id = ${access.clientId}
    )
    select id from tree`.execute(trx);
  return rows.map((r) => r.id).filter((id) => inScope(access, id));
}

export type InboxResult = { ok: true; items: FeedbackItem[]; nextCursor: string | null } | { ok: false; reason: 'invalid_cursor' | 'unknown_location' | 'unknown_theme' };

export async function listInbox(services: Services, access: Access, query: InboxQuery): Promise<InboxResult> {
  const cursor = query.cursor ? decodeCursor(query.cursor) : null;
  if (query.cursor && !cursor) return { ok: false, reason: 'invalid_cursor' };
  return withAccess(services.db, access, async (trx) => {
    const client = await trx.selectFrom('clients').select('timezone').where('id', '=', access.clientId).executeTakeFirstOrThrow();
    let q: SelectQueryBuilder<Database & { f: Database['feedback']; l: Database['locations']; sm: Database['sub_measures'] }, 'f' | 'l' | 'sm', InboxRow> = selectInbox(trx, access);
    if (access.locationIds !== null) q = q.where('f.location_id', 'in', access.locationIds.length ? [...access.locationIds] : ['00000000-0000-0000-0000-000000000000']);
    if (query.locationId) {
      const ids = await locationSubtree(trx, access, query.locationId);
      if (ids.length === 0) return { ok: false, reason: 'unknown_location' } as const;
      q = q.where('f.location_id', 'in', ids);
    }
    if (query.from) q = q.where('f.submitted_at', '>=', sql<Date>`(${query.from}::date)::timestamp at time zone ${client.timezone}`);
    if (query.to) q = q.where('f.submitted_at', '<', sql<Date>`(${query.to}::date + 1)::timestamp at time zone ${client.timezone}`);
    if (query.subMeasureId) q = q.where('f.sub_measure_id', '=', query.subMeasureId);
    if (query.channel) q = q.where('f.channel', '=', query.channel);
    if (query.status) q = q.where('f.status', '=', query.status);
    if (query.category) q = q.where('f.category', '=', query.category);
    if (query.hasContact) q = q.where('f.end_customer_id', query.hasContact === 'true' ? 'is not' : 'is', null);
    const band = query.scoreBand;
    if (band) q = q.where((eb) => bandCondition(eb, band));
    if (query.q) q = q.where(sql<boolean>`f.comment_search @@ websearch_to_tsquery('english', ${query.q})`);
    if (query.theme && !(await themeExists(trx, access.clientId, query.theme))) return { ok: false, reason: 'unknown_theme' } as const;
    if (query.sentiment || query.theme) q = q.where(commentAnalysisCondition({ sentiment: query.sentiment, themeId: query.theme }));
    if (cursor) q = q.where((eb) => eb.or([eb('f.submitted_at', '<', cursor.at), eb.and([eb('f.submitted_at', '=', cursor.at), eb('f.id', '<', cursor.id)])]));
    const rows = await q.orderBy('f.submitted_at', 'desc').orderBy('f.id', 'desc').limit(query.limit + 1).execute();
    if (access.operator) {
      await appendAudit(trx, { clientId: access.clientId, actorKind: 'operator', actorId: access.userId, action: 'operator.inbox_listed', subjectKind: 'client', subjectId: access.clientId, details: { rows: Math.min(rows.length, query.limit) } });
    }
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { ok: true, items: page.map(presentItem), nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null } as const;
  });
}

async function loadItem(trx: Trx, access: Access, feedbackId: string) {
  const row = await selectInbox(trx, access).select(['f.receipt_code']).where('f.id', '=', feedbackId).executeTakeFirst();
  return row && inScope(access, row.location_id) ? row : null;
}

export async function findFeedbackDetail(services: Services, access: Access, feedbackId: string): Promise<FeedbackDetail | null> {
  const loaded = await withAccess(services.db, access, async (trx) => {
    const row = await loadItem(trx, access, feedbackId);
    if (!row) return null;
    if (access.operator) {
      await appendAudit(trx, { clientId: access.clientId, actorKind: 'operator', actorId: access.userId, action: 'operator.feedback_read', subjectKind: 'feedback', subjectId: feedbackId });
    }
    const mayReadContact = can(access, 'contact.read');
    let contact: FeedbackDetail['contact'] = null;
    if (row.end_customer_id && mayReadContact) {
      const keyring = await services.keyrings.keyringFor(trx, access.clientId);
      contact = await readContactDetails(trx, keyring, row.end_customer_id);
    }
    const history = await trx
      .selectFrom('audit_log')
      .select(['at', 'actor_id', 'action', 'details'])
      .where('chain_id', '=', access.clientId)
      .where('subject_kind', '=', 'feedback')
      .where('subject_id', '=', feedbackId)
      .where('action', 'in', ['feedback.status_changed', 'feedback.category_changed', ...caseActions])
      .orderBy('seq')
      .execute();
    const openedCase = await trx
      .selectFrom('cases')
      .select(['opened_at', 'reason', 'assignee_user_id'])
      .where('client_id', '=', access.clientId)
      .where('feedback_id', '=', feedbackId)
      .executeTakeFirst();
    const client = await trx.selectFrom('clients').select('name').where('id', '=', access.clientId).executeTakeFirstOrThrow();
    const band = scoreBandOf(row.scale, row.score);
    const templates = can(access, 'feedback.respond')
      ? await trx
          .selectFrom('response_templates')
          .select(['id', 'name', 'subject', 'body'])
          .where('client_id', '=', access.clientId)
          .where('archived_at', 'is', null)
          .where('score_band', 'in', [band, 'any'])
          .orderBy('name')
          .execute()
      : [];
    const textReply = await textReplyAvailability(trx, access.clientId, row.end_customer_id);
    const correctionStatements = row.end_customer_id
      ? await readCorrectionStatements(trx, await services.keyrings.keyringFor(trx, access.clientId), { id: feedbackId, endCustomerId: row.end_customer_id })
      : [];
    return { row, contact, contactHidden: Boolean(row.end_customer_id) && !mayReadContact, history, openedCase, clientName: client.name, templates, textReply, correctionStatements };
  });
  if (!loaded) return null;
  const { row, contact, history, clientName, templates } = loaded;
  const responses = await listResponses(services, access, feedbackId);
  const assignees = history.map((h) => (h.details as { assignee_user_id?: string }).assignee_user_id);
  const authorIds = [...responses.map((r) => r.authorUserId), ...history.map((h) => h.actor_id), ...assignees].filter((id): id is string => Boolean(id) && id !== 'nobody');
  const names = new Map((await findUserNames(services.db, authorIds)).map((u) => [u.id, u.name]));
  const author = (id: string | null) => (id ? { id, name: names.get(id) ?? 'Former member' } : null);
  const timeline: FeedbackDetail['timeline'] = [
    { kind: 'feedback' as const, at: row.submitted_at.toISOString(), author: null, subject: null, body: row.comment, status: null, direction: null, error: null },
    ...responses.map((r) => ({
      kind: r.kind,
      at: r.createdAt,
      author: author(r.authorUserId),
      subject: r.subject,
      body: r.body,
      status: r.kind === 'note' ? null : r.status,
      direction: r.kind === 'note' ? null : r.direction,
      error: r.error,
    })),
    ...(loaded.openedCase
      ? [{ kind: 'case' as const, at: loaded.openedCase.opened_at.toISOString(), author: null, subject: null, body: `Case opened: ${reasonWords[loaded.openedCase.reason] ?? loaded.openedCase.reason}`, status: null, direction: null, error: null }]
      : []),
    ...history.map((h) => {
      if (caseActions.includes(h.action)) {
        return { kind: 'case' as const, at: h.at.toISOString(), author: author(h.actor_id), subject: null, body: describeCaseEvent(h.action, h.details, names), status: null, direction: null, error: null };
      }
      const details = h.details as { from?: string; to?: string };
      return {
        kind: h.action === 'feedback.status_changed' ? ('status' as const) : ('category' as const),
        at: h.at.toISOString(),
        author: author(h.actor_id),
        subject: null,
        body: `${details.from ?? '?'} → ${details.to ?? '?'}`,
        status: null,
        direction: null,
        error: null,
      };
    }),
  ].sort((a, b) => a.at.localeCompare(b.at));
  const fill = { customer_name: contact?.name ?? 'there', business: clientName, location: row.location_name, staff_member: row.sub_measure_name ?? 'the team' };
  return {
    ...presentItem(row),
    receiptCode: row.receipt_code,
    contact,
    contactHidden: loaded.contactHidden,
    timeline,
    textReply: loaded.textReply,
    correctionStatements: loaded.correctionStatements,
    suggestedTemplates: templates.map((t) => ({ id: t.id, name: t.name, subject: fillTemplate(t.subject, fill), body: fillTemplate(t.body, fill) })),
  };
}

const caseActions = ['case.assigned', 'case.status_changed', 'case.escalated', 'case.resolved', 'case.follow_up_sent', 'case.follow_up_answered'];

const reasonWords: Record<string, string> = { low_score: 'a low score', complaint: 'a complaint', contact_requested: 'the customer asked to be contacted', keywords: 'words in the comment', manual: 'opened by hand' };

const caseStatusWords: Record<string, string> = { new: 'new', in_progress: 'in progress', resolved: 'resolved' };
const resolutionWords: Record<string, string> = {
  fixed: 'fixed the problem',
  apologised: 'apologised',
  refunded: 'refunded',
  explained: 'explained',
  no_action_needed: 'no action needed',
  could_not_contact: 'could not reach the customer',
  other: 'other',
};

/** A case event of the audit log, in words for the timeline. */
function describeCaseEvent(action: string, raw: unknown, names: Map<string, string>): string {
  const d = raw as Record<string, string | number | boolean | undefined>;
  const person = (id: unknown) => (typeof id === 'string' && id !== 'nobody' ? (names.get(id) ?? 'a former member') : 'nobody');
  switch (action) {
    case 'case.assigned':
      return `Case assigned to ${person(d.assignee_user_id)}`;
    case 'case.status_changed':
      return `Case moved from ${caseStatusWords[String(d.from)] ?? String(d.from)} to ${caseStatusWords[String(d.to)] ?? String(d.to)}`;
    case 'case.escalated':
      return d.level === 1 ? 'Case overdue: escalated to the admins' : 'Case long overdue: escalated to the owners';
    case 'case.resolved':
      return `Case resolved: ${resolutionWords[String(d.resolution_code)] ?? String(d.resolution_code)}${d.on_time === false ? ' (after its due time)' : ''}`;
    case 'case.follow_up_sent':
      return `Asked the customer "did we fix it?" by ${d.channel === 'sms' ? 'text' : 'email'}`;
    case 'case.follow_up_answered':
      return d.answer === 'yes' ? 'The customer says it is fixed' : 'The customer says it is not fixed';
    default:
      return action;
  }
}

/** Resolves the feedback's open case, if it has one, when the feedback is marked resolved. Says whether it did. */
async function resolveOpenCaseOf(trx: Trx, access: Access, feedbackId: string): Promise<boolean> {
  const now = new Date();
  const resolved = await trx
    .updateTable('cases')
    .set({ status: 'resolved', resolved_at: now, resolved_by: access.userId, resolution_code: 'other', resolution_note: 'Resolved with the feedback’s status.', updated_at: now })
    .where('client_id', '=', access.clientId)
    .where('feedback_id', '=', feedbackId)
    .where('status', '<>', 'resolved')
    .returning(['id', 'due_at'])
    .executeTakeFirst();
  if (resolved) {
    await appendAudit(trx, {
      clientId: access.clientId,
      actorKind: 'user',
      actorId: access.userId,
      action: 'case.resolved',
      subjectKind: 'feedback',
      subjectId: feedbackId,
      details: { case_id: resolved.id, resolution_code: 'other', on_time: now <= resolved.due_at },
    });
    await enqueueWebhookEvent(trx, access.clientId, 'case.resolved', { id: resolved.id, feedbackId, resolutionCode: 'other', resolvedAt: now.toISOString() });
  }
  return Boolean(resolved);
}

/** Whether a text reply could go to the customer, without reading their number. */
async function textReplyAvailability(trx: Trx, clientId: ClientId, endCustomerId: string | null): Promise<FeedbackDetail['textReply']> {
  const customer = endCustomerId
    ? await trx.selectFrom('end_customers').select('mobile_index').where('client_id', '=', clientId).where('id', '=', endCustomerId).executeTakeFirst()
    : undefined;
  if (!customer?.mobile_index) return 'no_mobile';
  const client = await trx.selectFrom('clients').select('sms_number').where('id', '=', clientId).executeTakeFirstOrThrow();
  if (!client.sms_number) return 'no_sms_number';
  const recipient = await trx
    .selectFrom('sms_recipients')
    .select('opted_out_at')
    .where('client_id', '=', clientId)
    .where('mobile_index', '=', customer.mobile_index)
    .executeTakeFirst();
  return recipient?.opted_out_at ? 'opted_out' : 'available';
}

export async function updateFeedback(
  services: Services,
  access: Access,
  feedbackId: string,
  change: { status?: Exclude<FeedbackStatus, 'closed'> | undefined; category?: FeedbackCategory | undefined },
): Promise<boolean> {
  return withAccess(services.db, access, async (trx) => {
    const current = await trx
      .selectFrom('feedback')
      .select(['id', 'location_id', 'status', 'category', 'scale', 'score', 'contact_requested', 'comment'])
      .where('client_id', '=', access.clientId)
      .where('id', '=', feedbackId)
      .forUpdate()
      .executeTakeFirst();
    if (!current || !inScope(access, current.location_id)) return false;
    const status = change.status ?? current.status;
    const category = change.category ?? current.category;
    if (status === current.status && category === current.category) return true;
    await trx.updateTable('feedback').set({ status, category, updated_at: new Date() }).where('client_id', '=', access.clientId).where('id', '=', feedbackId).execute();
    const changes: FeedbackChange[] = [];
    if (status !== current.status) {
      changes.push('status');
      await appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action: 'feedback.status_changed', subjectKind: 'feedback', subjectId: feedbackId, details: { from: current.status, to: status } });
      // The feedback and its case tell one story: resolving the one resolves the other.
      if (status === 'resolved' && (await resolveOpenCaseOf(trx, access, feedbackId))) changes.push('case_status');
    }
    if (category !== current.category) {
      await appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action: 'feedback.category_changed', subjectKind: 'feedback', subjectId: feedbackId, details: { from: current.category, to: category } });
      // Calling it a complaint may be what a rule waits for.
      await raiseAlerts(trx, {
        clientId: access.clientId,
        id: feedbackId,
        locationId: current.location_id,
        scale: current.scale,
        score: current.score,
        category,
        contactRequested: current.contact_requested,
        comment: current.comment,
      }, access.locationIds !== null);
    }
    await enqueueFeedbackUpdated(trx, access.clientId, feedbackId, category !== current.category ? [...changes, 'category'] : changes);
    return true;
  });
}
