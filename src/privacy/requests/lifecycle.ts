/**
 * A request's life after verification: the queue, its page, starting work, extending (only
 * with a notice to the requester before the due date), answering and refusing. Every step
 * is audited in the operator chain; closing a request ends its hold on clients' rows.
 */
import { sql } from 'kysely';
import { appendAudit } from '../../audit/index.ts';
import type { Services } from '../../context.ts';
import type { PrivacyRequestState } from '../../db/schema.ts';
import { addWorkingDays, nzDay, workingDaysBetween } from '../working-days.ts';
import { issueDownloadLink, LINK_LIFETIME_DAYS } from './access-package.ts';
import { notifyRequester } from './notify-requester.ts';
import { loadRequest, type LoadedRequest, type PrivacyRequestRow } from './queries.ts';
import { requestSecrets } from './secrets.ts';
import { mayMove, openStates } from './states.ts';

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

export function presentSummary(row: PrivacyRequestRow, name: string, today = nzDay()) {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    name,
    receivedAt: new Date(row.received_at).toISOString(),
    receivedOn: row.received_on,
    dueOn: row.due_on,
    workingDaysLeft: workingDaysBetween(today, row.due_on),
    holidayTableVersion: row.holiday_table_version,
  };
}

export async function listRequests(services: Services, operatorId: string, which: 'open' | 'all') {
  let query = services.db.selectFrom('privacy_requests').selectAll();
  query = which === 'open' ? query.where('state', 'in', [...openStates]) : query.where('state', '!=', 'received');
  const rows = await query.execute();
  const secrets = requestSecrets(services);
  const today = nzDay();
  const items = rows.map((row) => presentSummary(row, secrets.open(`request-name:${row.id}`, row.name_enc), today));
  const closed = (s: PrivacyRequestState) => s === 'responded' || s === 'refused';
  items.sort((a, b) => Number(closed(a.state)) - Number(closed(b.state)) || a.workingDaysLeft - b.workingDaysLeft || a.receivedAt.localeCompare(b.receivedAt));
  await appendAudit(services.db, { clientId: null, actorKind: 'operator', actorId: operatorId, action: 'privacy.requests_listed', details: { count: items.length, which } });
  return items;
}

export async function showRequest(services: Services, operatorId: string, requestId: string) {
  const request = await loadRequest(services, requestId);
  if (!request || request.row.state === 'received') return null;
  const { row } = request;
  const findings = await services.db
    .selectFrom('privacy_request_subjects as s')
    .innerJoin('clients as c', 'c.id', 's.client_id')
    .select(['s.client_id', 'c.name', 's.end_customer_id'])
    .where('s.request_id', '=', requestId)
    .orderBy('c.name')
    .execute();
  const byClient = new Map<string, { clientId: string; clientName: string; endCustomers: string[] }>();
  for (const f of findings) {
    const entry = byClient.get(f.client_id) ?? { clientId: f.client_id, clientName: f.name, endCustomers: [] };
    if (f.end_customer_id) entry.endCustomers.push(f.end_customer_id);
    byClient.set(f.client_id, entry);
  }
  const packages = await services.db
    .selectFrom('privacy_access_packages')
    .select(['id', 'built_at', 'items', 'flagged', 'link_expires_at', 'downloaded_at'])
    .where('request_id', '=', requestId)
    .orderBy('built_at', 'desc')
    .execute();
  await appendAudit(services.db, { clientId: null, actorKind: 'operator', actorId: operatorId, action: 'privacy.request_read', subjectKind: 'privacy_request', subjectId: requestId });
  return {
    ...presentSummary(row, request.name),
    identifiers: request.identifiers,
    details: request.details,
    extension:
      row.extended_at && row.original_due_on && row.extension_notice_sent_at
        ? { extendedAt: new Date(row.extended_at).toISOString(), reason: row.extension_reason ?? '', originalDueOn: row.original_due_on, noticeSentAt: new Date(row.extension_notice_sent_at).toISOString() }
        : null,
    outcomeNote: row.outcome_note,
    closedAt: iso(row.closed_at),
    findings: [...byClient.values()],
    packages: packages.map((p) => ({ id: p.id, builtAt: new Date(p.built_at).toISOString(), items: p.items, flagged: p.flagged, linkExpiresAt: iso(p.link_expires_at), downloadedAt: iso(p.downloaded_at) })),
    remindersSent: { tenWorkingDays: iso(row.reminder_10_sent_at), fifteenWorkingDays: iso(row.reminder_15_sent_at) },
  };
}

export type StepResult<T = object> = ({ ok: true } & T) | { ok: false; reason: 'not_found' | 'wrong_state' | 'past_due' | 'no_package' };

/** Moves a request to `to` if the state machine allows it from the state it is in now. */
async function move(services: Services, requestId: string, to: PrivacyRequestState, extra: Partial<PrivacyRequestRow>): Promise<boolean> {
  return services.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('privacy_requests').select('state').where('id', '=', requestId).forUpdate().executeTakeFirst();
    if (!row || !mayMove(row.state, to)) return false;
    await trx.updateTable('privacy_requests').set({ ...extra, state: to, updated_at: new Date() }).where('id', '=', requestId).execute();
    return true;
  });
}

/** Starts work on a verified request (searching, packaging and correcting do this too). */
export async function startWork(services: Services, operatorId: string, request: LoadedRequest): Promise<StepResult> {
  if (request.row.state !== 'verified') return { ok: false, reason: 'wrong_state' };
  if (!(await move(services, request.row.id, 'in_progress', {}))) return { ok: false, reason: 'wrong_state' };
  await appendAudit(services.db, { clientId: null, actorKind: 'operator', actorId: operatorId, action: 'privacy.request_started', subjectKind: 'privacy_request', subjectId: request.row.id });
  request.row.state = 'in_progress';
  return { ok: true };
}

export async function extendRequest(services: Services, operatorId: string, request: LoadedRequest, input: { extraWorkingDays: number; reason: string }): Promise<StepResult<{ dueOn: string }>> {
  const { row } = request;
  if (row.state === 'verified') await startWork(services, operatorId, request);
  if (!mayMove(request.row.state, 'extended')) return { ok: false, reason: 'wrong_state' };
  // The Act requires notice of an extension within the original time limit.
  if (nzDay() > row.due_on) return { ok: false, reason: 'past_due' };
  const dueOn = addWorkingDays(row.due_on, input.extraWorkingDays);
  const due = new Date(`${dueOn}T00:00:00Z`).toLocaleDateString('en-NZ', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });
  // The notice goes first: without it there is no extension.
  await notifyRequester(services, request, {
    subject: 'We need more time to answer your privacy request',
    text: [
      `We are extending the time to answer your request (received ${row.received_on}) to ${due}, as the Privacy Act 2020 (section 48) allows.`,
      '',
      `Why: ${input.reason}`,
      '',
      'You may complain to the Privacy Commissioner about this extension (privacy.org.nz).',
    ].join('\n'),
    key: `privacy-extension-${row.id}`,
  });
  const now = new Date();
  const moved = await move(services, row.id, 'extended', { due_on: dueOn, original_due_on: row.due_on, extended_at: now, extension_reason: input.reason, extension_notice_sent_at: now });
  if (!moved) return { ok: false, reason: 'wrong_state' };
  await appendAudit(services.db, {
    clientId: null,
    actorKind: 'operator',
    actorId: operatorId,
    action: 'privacy.request_extended',
    subjectKind: 'privacy_request',
    subjectId: row.id,
    details: { from: row.due_on, to: dueOn, extraWorkingDays: input.extraWorkingDays },
  });
  return { ok: true, dueOn };
}

async function closeHolds(services: Services, requestId: string): Promise<void> {
  // Across clients, as the owning role: the request's subjects in every client.
  await sql`update privacy_request_subjects set closed_at = now() where request_id = ${requestId}::uuid and closed_at is null`.execute(services.db);
}

export async function respondToRequest(services: Services, operatorId: string, request: LoadedRequest, message: string): Promise<StepResult<{ sentTo: 'email' | 'mobile'; linkExpiresAt: string | null }>> {
  const { row } = request;
  if (!mayMove(row.state, 'responded')) return { ok: false, reason: 'wrong_state' };
  let link: { url: string; expiresAt: Date } | null = null;
  if (row.kind === 'access') {
    const latest = await services.db.selectFrom('privacy_access_packages').select('id').where('request_id', '=', row.id).orderBy('built_at', 'desc').limit(1).executeTakeFirst();
    if (!latest) return { ok: false, reason: 'no_package' };
    link = await issueDownloadLink(services, latest.id);
  }
  const sentTo = await notifyRequester(services, request, {
    subject: 'The answer to your privacy request',
    text: [
      message,
      ...(link ? ['', `Your information is here (the link works once, for ${LINK_LIFETIME_DAYS} days):`, link.url] : []),
      '',
      'If you are not satisfied, you may complain to the Privacy Commissioner (privacy.org.nz).',
    ].join('\n'),
    key: `privacy-response-${row.id}`,
  });
  const moved = await move(services, row.id, 'responded', { closed_at: new Date(), outcome_note: message });
  if (!moved) return { ok: false, reason: 'wrong_state' };
  await closeHolds(services, row.id);
  await appendAudit(services.db, { clientId: null, actorKind: 'operator', actorId: operatorId, action: 'privacy.request_responded', subjectKind: 'privacy_request', subjectId: row.id, details: { sentTo, link: Boolean(link) } });
  return { ok: true, sentTo, linkExpiresAt: link ? link.expiresAt.toISOString() : null };
}

export async function refuseRequest(services: Services, operatorId: string, request: LoadedRequest, message: string): Promise<StepResult<{ sentTo: 'email' | 'mobile' }>> {
  const { row } = request;
  if (!mayMove(row.state, 'refused')) return { ok: false, reason: 'wrong_state' };
  const sentTo = await notifyRequester(services, request, {
    subject: 'Your privacy request',
    text: [message, '', 'You may complain to the Privacy Commissioner about this decision (privacy.org.nz).'].join('\n'),
    key: `privacy-refusal-${row.id}`,
  });
  const moved = await move(services, row.id, 'refused', { closed_at: new Date(), outcome_note: message });
  if (!moved) return { ok: false, reason: 'wrong_state' };
  await closeHolds(services, row.id);
  await appendAudit(services.db, { clientId: null, actorKind: 'operator', actorId: operatorId, action: 'privacy.request_refused', subjectKind: 'privacy_request', subjectId: row.id, details: { sentTo } });
  return { ok: true, sentTo };
}
