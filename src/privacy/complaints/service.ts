/**
 * Privacy complaints: received from the public form or recorded by operator staff, answered
 * within 30 calendar days, moved received → investigating → responded → closed and no other
 * way. Everything that touches the complainant's details is audited in the operator chain.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { appendAudit } from '../../audit/index.ts';
import type { Services } from '../../context.ts';
import type { PrivacyComplaintChannel, PrivacyComplaintStatus } from '../tables.ts';
import { isAwaitingResponse } from './due-dates.ts';
import { COMPLAINT_EMAIL_QUEUE } from './jobs/send-complaint-email.ts';
import { presentComplaint, presentComplaintSummary } from './present.ts';
import { mayMoveComplaint } from './policy.ts';
import { complaintSeal } from './sealed.ts';

export interface NewComplaint {
  channel: PrivacyComplaintChannel;
  name: string;
  email?: string | undefined;
  phone?: string | undefined;
  business?: string | undefined;
  details: string;
  receivedAt?: Date;
}

/** Crockford's base32 without I, L, O, U: readable over the phone. */
const referenceAlphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function newReference(): string {
  const bytes = randomBytes(8);
  return `PC-${[...bytes].map((b) => referenceAlphabet[b % 32]).join('')}`;
}

/** Stores a complaint, audits it and queues the confirmation email (if there is an address). */
export async function receiveComplaint(services: Services, input: NewComplaint, by: { operatorId: string | null }) {
  const seal = complaintSeal(services);
  const id = randomUUID();
  const reference = newReference();
  const row = await services.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('privacy_complaints')
      .values({
        id,
        reference,
        channel: input.channel,
        name_enc: seal.seal(id, 'name', input.name),
        email_enc: input.email ? seal.seal(id, 'email', input.email) : null,
        phone_enc: input.phone ? seal.seal(id, 'phone', input.phone) : null,
        details_enc: seal.seal(id, 'details', input.details),
        business: input.business || null,
        received_at: input.receivedAt ?? new Date(),
        created_by: by.operatorId,
      })
      .returning(['id', 'reference', 'channel', 'business', 'status', 'received_at'])
      .executeTakeFirstOrThrow();
    await appendAudit(trx, {
      clientId: null,
      actorKind: by.operatorId ? 'operator' : 'end_customer',
      actorId: by.operatorId,
      action: 'privacy_complaint.received',
      subjectKind: 'privacy_complaint',
      subjectId: id,
      details: { channel: input.channel, reference },
    });
    if (input.email) await services.jobs.sendInTransaction(trx, COMPLAINT_EMAIL_QUEUE, { complaintId: id, kind: 'confirmation' }, { singletonKey: `confirmation-${id}` });
    return inserted;
  });
  return presentComplaintSummary(row, new Date());
}

export type ComplaintListState = 'open' | 'done' | 'all';

/** The queue: overdue first, then by due date; answered ones after, latest first. No personal details. */
export async function listComplaints(services: Services, state: ComplaintListState, now: Date) {
  let query = services.db.selectFrom('privacy_complaints').select(['id', 'reference', 'channel', 'business', 'status', 'received_at']);
  if (state === 'open') query = query.where('status', 'in', ['received', 'investigating']);
  if (state === 'done') query = query.where('status', 'in', ['responded', 'closed']);
  const rows = await query.orderBy('received_at', 'asc').limit(1000).execute();
  // The due date follows the receipt date, so among awaiting complaints the oldest is the
  // most overdue: ascending receipt is "overdue first, then by due date".
  const awaiting = rows.filter((r) => isAwaitingResponse(r.status));
  const answered = rows.filter((r) => !isAwaitingResponse(r.status)).reverse();
  return [...awaiting, ...answered].map((r) => presentComplaintSummary(r, now));
}

export async function loadComplaint(services: Services, id: string) {
  const row = await services.db.selectFrom('privacy_complaints').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  const reminders = await services.db.selectFrom('privacy_complaint_reminders').select(['kind', 'sent_at']).where('complaint_id', '=', id).orderBy('queued_at').execute();
  return presentComplaint(complaintSeal(services), row, reminders, new Date());
}

/** One complaint with the complainant's details: an operator's read of personal information, audited. */
export async function readComplaint(services: Services, id: string, operatorId: string) {
  const complaint = await loadComplaint(services, id);
  if (!complaint) return null;
  await appendAudit(services.db, {
    clientId: null,
    actorKind: 'operator',
    actorId: operatorId,
    action: 'privacy_complaint.read',
    subjectKind: 'privacy_complaint',
    subjectId: id,
  });
  return complaint;
}

export type StatusChangeResult =
  | { ok: true }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'transition_not_allowed'; from: PrivacyComplaintStatus; to: PrivacyComplaintStatus }
  | { ok: false; reason: 'response_required' | 'response_not_expected' };

/**
 * Moves a complaint one step on. The response is given with the move to `responded`, kept
 * (sealed) and emailed to the complainant if they gave an address.
 */
export async function changeComplaintStatus(
  services: Services,
  id: string,
  operatorId: string,
  change: { status: Exclude<PrivacyComplaintStatus, 'received'>; response?: string | undefined },
): Promise<StatusChangeResult> {
  const seal = complaintSeal(services);
  return services.db.transaction().execute(async (trx): Promise<StatusChangeResult> => {
    const row = await trx.selectFrom('privacy_complaints').select(['id', 'status', 'email_enc']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) return { ok: false, reason: 'not_found' };
    if (!mayMoveComplaint(row.status, change.status)) return { ok: false, reason: 'transition_not_allowed', from: row.status, to: change.status };
    if (change.status === 'responded' && !change.response) return { ok: false, reason: 'response_required' };
    if (change.status !== 'responded' && change.response !== undefined) return { ok: false, reason: 'response_not_expected' };
    const now = new Date();
    await trx
      .updateTable('privacy_complaints')
      .set({
        status: change.status,
        updated_at: now,
        ...(change.status === 'responded' && change.response
          ? { response_enc: seal.seal(id, 'response', change.response), responded_at: now, responded_by: operatorId }
          : {}),
        ...(change.status === 'closed' ? { closed_at: now } : {}),
      })
      .where('id', '=', id)
      .execute();
    await appendAudit(trx, {
      clientId: null,
      actorKind: 'operator',
      actorId: operatorId,
      action: `privacy_complaint.${change.status}`,
      subjectKind: 'privacy_complaint',
      subjectId: id,
      details: { from: row.status, to: change.status },
    });
    if (change.status === 'responded' && row.email_enc) {
      await services.jobs.sendInTransaction(trx, COMPLAINT_EMAIL_QUEUE, { complaintId: id, kind: 'response' }, { singletonKey: `response-${id}` });
    }
    return { ok: true };
  });
}
