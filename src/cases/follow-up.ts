/**
 * "Did we fix it?": on resolving a case, staff may ask the customer, once, by text (when a
 * text can go to them) or else by email with two links. The answer, yes or no, is recorded
 * on the case; the share of yes among answers is the recovery rate.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Access } from '../accounts/index.ts';
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import { asClientId, withClient, type ClientId, type Trx } from '../db/tenancy.ts';
import { readContactDetails } from '../end-customers/index.ts';
import { findReplyRecipient, queueStaffReply } from '../sms/staff-replies.ts';
import type { LockedCase } from './service.ts';

export const FOLLOW_UP_ANSWER_DAYS = 14;

export async function sendFollowUp(services: Services, trx: Trx, access: Access, found: LockedCase): Promise<'sms' | 'email' | null> {
  const clientId = access.clientId;
  const feedback = await trx
    .selectFrom('feedback as f')
    .innerJoin('locations as l', (j) => j.onRef('l.client_id', '=', 'f.client_id').onRef('l.id', '=', 'f.location_id'))
    .innerJoin('clients as c', 'c.id', 'f.client_id')
    .select(['f.id', 'f.end_customer_id', 'f.location_id', 'l.name as location_name', 'c.name as client_name'])
    .where('f.client_id', '=', clientId)
    .where('f.id', '=', found.feedback_id)
    .executeTakeFirstOrThrow();
  const text = await findReplyRecipient(services, trx, clientId, feedback.end_customer_id);
  let channel: 'sms' | 'email' | null = null;
  if (typeof text !== 'string') {
    const body = `${feedback.client_name}: we followed up on your feedback about ${feedback.location_name}. Did we fix it? Reply YES or NO.`;
    const responseId = await recordFollowUpResponse(trx, access, feedback, 'sms', null, body);
    await queueStaffReply(services, trx, text, { feedbackId: feedback.id, locationId: feedback.location_id, responseId, body });
    channel = 'sms';
  } else if (feedback.end_customer_id) {
    const keyring = await services.keyrings.keyringFor(trx, clientId);
    const contact = await readContactDetails(trx, keyring, feedback.end_customer_id);
    if (contact?.email) {
      const url = `${services.publicUrl}/follow-up/${followUpToken(services, clientId, found.id)}`;
      const body = [
        'Kia ora,',
        '',
        `You told us about your visit to ${feedback.location_name}, and we have followed it up. Did we fix it?`,
        '',
        `Yes, it is fixed: ${url}?answer=yes`,
        `No, not yet: ${url}?answer=no`,
        '',
        `Thank you for helping us get better. ${feedback.client_name}`,
      ].join('\n');
      const responseId = await recordFollowUpResponse(trx, access, feedback, 'email', `Did we fix it? ${feedback.client_name}`, body);
      await services.jobs.sendInTransaction(trx, 'send-response', { clientId, responseId });
      channel = 'email';
    }
  }
  if (channel) {
    await trx.updateTable('cases').set({ follow_up_channel: channel, follow_up_sent_at: new Date() }).where('client_id', '=', clientId).where('id', '=', found.id).execute();
    await appendAudit(trx, { clientId, actorKind: 'user', actorId: access.userId, action: 'case.follow_up_sent', subjectKind: 'feedback', subjectId: found.feedback_id, details: { case_id: found.id, channel } });
  }
  return channel;
}

async function recordFollowUpResponse(
  trx: Trx,
  access: Access,
  feedback: { id: string; location_id: string },
  kind: 'sms' | 'email',
  subject: string | null,
  body: string,
): Promise<string> {
  const row = await trx
    .insertInto('responses')
    .values({ client_id: access.clientId, feedback_id: feedback.id, location_id: feedback.location_id, kind, author_user_id: access.userId, subject, body, status: 'queued' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * The follow-up link's token: the client and case (each a uuid as 22 base64url characters)
 * and a 128-bit signature of both, so a link names one case and cannot be forged, in a path
 * segment short enough for any router.
 */
export function followUpToken(services: Services, clientId: string, caseId: string): string {
  return `${uuidToText(clientId)}.${uuidToText(caseId)}.${signature(services, clientId, caseId)}`;
}

export function readFollowUpToken(services: Services, token: string): { clientId: ClientId; caseId: string } | null {
  const [clientPart, casePart, sig] = token.split('.');
  const clientId = clientPart ? textToUuid(clientPart) : null;
  const caseId = casePart ? textToUuid(casePart) : null;
  if (!clientId || !caseId || !sig) return null;
  const expected = Buffer.from(signature(services, clientId, caseId));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return { clientId: asClientId(clientId), caseId };
}

function signature(services: Services, clientId: string, caseId: string): string {
  return createHmac('sha256', services.secrets.links).update(`follow-up:${clientId}:${caseId}`).digest().subarray(0, 16).toString('base64url');
}

function uuidToText(uuid: string): string {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64url');
}

function textToUuid(text: string): string | null {
  if (!/^[A-Za-z0-9_-]{22}$/.test(text)) return null;
  const hex = Buffer.from(text, 'base64url').toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Records the customer's answer to the follow-up, the first one only. Returns false when
 * there is no follow-up waiting (never sent, already answered, or too long ago).
 */
export async function recordFollowUpAnswer(trx: Trx, clientId: ClientId, caseId: string, answer: 'yes' | 'no'): Promise<boolean> {
  const since = new Date(Date.now() - FOLLOW_UP_ANSWER_DAYS * 86_400_000);
  const updated = await trx
    .updateTable('cases')
    .set({ follow_up_answer: answer, follow_up_answered_at: new Date(), updated_at: new Date() })
    .where('client_id', '=', clientId)
    .where('id', '=', caseId)
    .where('follow_up_sent_at', '>', since)
    .where('follow_up_answer', 'is', null)
    .returning('feedback_id')
    .executeTakeFirst();
  if (!updated) return false;
  await appendAudit(trx, { clientId, actorKind: 'end_customer', action: 'case.follow_up_answered', subjectKind: 'feedback', subjectId: updated.feedback_id, details: { case_id: caseId, answer } });
  return true;
}

export async function answerFollowUpByLink(services: Services, token: string, answer: 'yes' | 'no'): Promise<'recorded' | 'already' | 'invalid'> {
  const read = readFollowUpToken(services, token);
  if (!read) return 'invalid';
  return withClient(services.db, read.clientId, async (trx) => ((await recordFollowUpAnswer(trx, read.clientId, read.caseId, answer)) ? 'recorded' : 'already'));
}

/** The open follow-up by text to this number, if any: the case its YES or NO answers. */
export async function findTextFollowUp(trx: Trx, clientId: ClientId, mobileIndex: Buffer): Promise<string | null> {
  const since = new Date(Date.now() - FOLLOW_UP_ANSWER_DAYS * 86_400_000);
  const row = await trx
    .selectFrom('cases as c')
    .innerJoin('feedback as f', (j) => j.onRef('f.client_id', '=', 'c.client_id').onRef('f.id', '=', 'c.feedback_id'))
    .innerJoin('end_customers as e', (j) => j.onRef('e.client_id', '=', 'f.client_id').onRef('e.id', '=', 'f.end_customer_id'))
    .select('c.id')
    .where('c.client_id', '=', clientId)
    .where('e.mobile_index', '=', mobileIndex)
    .where('c.follow_up_channel', '=', 'sms')
    .where('c.follow_up_sent_at', '>', since)
    .where('c.follow_up_answer', 'is', null)
    .orderBy('c.follow_up_sent_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}
