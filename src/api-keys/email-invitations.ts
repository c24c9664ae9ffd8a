/**
 * Email invitations: a client's system (or a person) asks Hark to invite a customer after a
 * transaction. The email carries the programme's lead question with one link per score.
 * A link opens a confirm page (GET records nothing: mail scanners fetch links); one tap
 * POSTs the score, which stores the feedback (channel 'email') and offers the comment box.
 *
 * The address is kept encrypted, found by blind index for the quarantine rule (one
 * invitation per address per the client's quarantine days), and the job carries ids only.
 * A link's token is signed for the invitation's id; the row makes it single-use and expiring.
 */
import { randomUUID } from 'node:crypto';
import { readLinkToken, signLinkToken } from '../accounts/link-tokens.ts';
import { withAccess, type Access } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import { countFeedbackIngested } from '../counters.ts';
import { asClientId, withClient, type ClientId, type Trx } from '../db/tenancy.ts';
import { normaliseEmail } from '../end-customers/index.ts';
import { enqueueFeedbackUpdated, insertFeedback } from '../feedback/index.ts';
import { isPlainEmailAddress } from '../lib/email-address.ts';
import { findFeedbackTargetOfLocation, scaleOf, type FeedbackTarget } from '../programmes/index.ts';
import { enqueueRollupUpdate, localDay } from '../reports/index.ts';

export const SEND_EMAIL_INVITATION_QUEUE = 'send-email-invitation';
export const emailInvitationQueues = [{ name: SEND_EMAIL_INVITATION_QUEUE, policy: 'standard' as const, retryLimit: 10, retryDelaySeconds: 10 }];

const SCORE_PURPOSE = 'email-invitation';
const COMMENT_PURPOSE = 'email-invitation-comment';

export interface EmailInvitationRequest {
  email: string;
  locationId: string;
  subMeasureId?: string | undefined;
  orderRef?: string | undefined;
}

export type EmailInvitationResult =
  | { ok: true; invitationId: string; expiresAt: Date }
  | { ok: false; reason: 'invalid_email' | 'unknown_location' | 'unknown_sub_measure' }
  | { ok: false; reason: 'quarantined'; until: Date };

/** The address normalised, or null when it is not one. */
export function readInvitationEmail(text: string): string | null {
  const email = normaliseEmail(text.trim());
  return isPlainEmailAddress(email) ? email : null;
}

export async function createEmailInvitation(services: Services, access: Access, request: EmailInvitationRequest): Promise<EmailInvitationResult> {
  const email = readInvitationEmail(request.email);
  if (!email) return { ok: false, reason: 'invalid_email' };
  return withAccess(services.db, access, async (trx) => {
    const target = await targetOf(trx, access.clientId, request.locationId, request.subMeasureId ?? null, 'required');
    if (!target.ok) return target;
    const keyring = await services.keyrings.keyringFor(trx, access.clientId);
    const index = keyring.blindIndex('email', email);
    const client = await trx.selectFrom('clients').select('sms_quarantine_days').where('id', '=', access.clientId).executeTakeFirstOrThrow();
    if (client.sms_quarantine_days > 0) {
      const last = await trx
        .selectFrom('email_invitations')
        .select('created_at')
        .where('client_id', '=', access.clientId)
        .where('email_index', '=', index)
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      const until = last ? new Date(last.created_at.getTime() + client.sms_quarantine_days * 86_400_000) : null;
      if (until && until > new Date()) return { ok: false, reason: 'quarantined', until } as const;
    }
    const id = randomUUID();
    const expiresAt = new Date(Date.now() + services.config.integrations.emailInvitationDays * 86_400_000);
    await trx
      .insertInto('email_invitations')
      .values({
        client_id: access.clientId,
        id,
        location_id: target.target.location.id,
        sub_measure_id: target.target.subMeasure?.id ?? null,
        email_enc: keyring.encrypt('email', email),
        email_index: index,
        order_ref: request.orderRef ?? null,
        api_key_id: access.apiKey?.id ?? null,
        expires_at: expiresAt,
      })
      .execute();
    await services.jobs.sendInTransaction(trx, SEND_EMAIL_INVITATION_QUEUE, { clientId: access.clientId, invitationId: id }, { singletonKey: `email-invitation-${id}` });
    return { ok: true, invitationId: id, expiresAt } as const;
  });
}

/**
 * Where an invitation's feedback goes. A new invitation must name an active staff member of
 * its location (`staff: 'required'`). One already sent whose staff member has been archived
 * since goes to the location alone, as a text conversation does, so the answer is not lost.
 */
async function targetOf(trx: Trx, clientId: ClientId, locationId: string, subMeasureId: string | null, staff: 'required' | 'if_active' = 'if_active') {
  const found = await findFeedbackTargetOfLocation(trx, clientId, locationId, subMeasureId ? { id: subMeasureId } : null);
  if (!found) return { ok: false, reason: 'unknown_location' } as const;
  if (staff === 'required' && subMeasureId && !found.subMeasure) return { ok: false, reason: 'unknown_sub_measure' } as const;
  return { ok: true, target: found } as const;
}

export function scoreLink(services: Services, invitationId: string, score: number): string {
  return `${services.publicUrl}/r/${signLinkToken(services.secrets.links, SCORE_PURPOSE, invitationId)}/${score}`;
}

/** The job: composes and sends the invitation (Message-ID per invitation, so a retry is the same message). */
export async function sendEmailInvitationJob(services: Services, data: { clientId: string; invitationId: string }): Promise<void> {
  const clientId = asClientId(data.clientId);
  const mail = await withClient(services.db, clientId, async (trx) => {
    const row = await trx.selectFrom('email_invitations').selectAll().where('client_id', '=', clientId).where('id', '=', data.invitationId).executeTakeFirst();
    if (!row || row.sent_at || row.used_at) return null;
    const target = await targetOf(trx, clientId, row.location_id, row.sub_measure_id);
    if (!target.ok) return null;
    const keyring = await services.keyrings.keyringFor(trx, clientId);
    const to = keyring.decrypt('email', row.email_enc);
    const scale = scaleOf(target.target.programme.scale);
    const scores = Array.from({ length: scale.max - scale.min + 1 }, (_, i) => scale.min + i);
    const where = target.target.subMeasure ? `${target.target.location.name} (${target.target.subMeasure.name})` : target.target.location.name;
    const text = [
      `Thank you for visiting ${target.target.clientName} – ${where}.`,
      '',
      target.target.programme.leadQuestion,
      `Choose a score from ${scale.min} (${scale.lowLabel}) to ${scale.max} (${scale.highLabel}):`,
      '',
      ...scores.map((score) => `${score}: ${scoreLink(services, row.id, score)}`),
      '',
      `The links work once, until ${row.expires_at.toISOString().slice(0, 10)}. If you did not visit us, ignore this email.`,
    ].join('\n');
    return { to, subject: `How did we do? – ${target.target.clientName}`, text };
  });
  if (!mail) return;
  await services.mailer.send({ ...mail, messageKey: `email-invitation-${data.invitationId}` });
  await withClient(services.db, clientId, (trx) =>
    trx.updateTable('email_invitations').set({ sent_at: new Date() }).where('client_id', '=', clientId).where('id', '=', data.invitationId).execute(),
  );
}

export type ScoreLink =
  | { ok: true; clientId: ClientId; invitationId: string; target: FeedbackTarget; score: number }
  | { ok: false; reason: 'unknown' | 'used' | 'expired' | 'bad_score' };

/** The invitation a signed link names, and its client: the one lookup across clients (a link names no client). */
async function findLinkedInvitation(services: Services, token: string): Promise<{ invitationId: string; clientId: ClientId } | null> {
  const invitationId = readLinkToken(services.secrets.links, SCORE_PURPOSE, token);
  if (!invitationId) return null;
  const found = await services.db.selectFrom('email_invitations').select(['client_id']).where('id', '=', invitationId).executeTakeFirst();
  return found ? { invitationId, clientId: asClientId(found.client_id) } : null;
}

/** Reads a score link without changing anything (the GET confirm page). */
export async function readScoreLink(services: Services, token: string, scoreText: string): Promise<ScoreLink> {
  const linked = await findLinkedInvitation(services, token);
  if (!linked) return { ok: false, reason: 'unknown' };
  return withClient(services.db, linked.clientId, (trx) => checkScoreLink(trx, linked.clientId, linked.invitationId, scoreText));
}

/** The link's invitation, locked, if it may still be answered with this score. */
async function checkScoreLink(t: Trx, clientId: ClientId, invitationId: string, scoreText: string): Promise<ScoreLink> {
    const row = await t.selectFrom('email_invitations').selectAll().where('client_id', '=', clientId).where('id', '=', invitationId).forUpdate().executeTakeFirst();
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.used_at) return { ok: false, reason: 'used' };
    if (row.expires_at < new Date()) return { ok: false, reason: 'expired' };
    const target = await targetOf(t, clientId, row.location_id, row.sub_measure_id);
    if (!target.ok) return { ok: false, reason: 'unknown' };
    const scale = scaleOf(target.target.programme.scale);
    const score = /^\d{1,2}$/.test(scoreText) ? Number(scoreText) : Number.NaN;
    if (!(score >= scale.min && score <= scale.max)) return { ok: false, reason: 'bad_score' };
    return { ok: true, clientId, invitationId, target: target.target, score };
}

/** Records the score of a confirmed link: the feedback, once; the link is used up. */
export async function recordScoreFromLink(services: Services, token: string, scoreText: string): Promise<ScoreLink & { commentToken?: string }> {
  const linked = await findLinkedInvitation(services, token);
  if (!linked) return { ok: false, reason: 'unknown' };
  const { clientId } = linked;
  const result = await withClient(services.db, clientId, async (trx) => {
    const link = await checkScoreLink(trx, clientId, linked.invitationId, scoreText);
    if (!link.ok) return link;
    const feedbackId = randomUUID();
    await insertFeedback(services, trx, link.target, {
      id: feedbackId,
      channel: 'email',
      formNonce: `email-invitation:${link.invitationId}`,
      score: link.score,
      comment: '',
      receiptCode: null,
      contact: { name: null, email: null, mobile: null },
      contactRequested: false,
      prizeDraw: false,
    });
    await trx.updateTable('email_invitations').set({ used_at: new Date(), feedback_id: feedbackId }).where('client_id', '=', clientId).where('id', '=', link.invitationId).execute();
    return { ...link, commentToken: signLinkToken(services.secrets.links, COMMENT_PURPOSE, feedbackId) };
  });
  if (result.ok) countFeedbackIngested('email');
  return result;
}

/** Adds the comment to the feedback a score link stored: once, and only while it has none. */
export async function addCommentFromLink(services: Services, commentToken: string, comment: string): Promise<{ ok: true; target: FeedbackTarget } | { ok: false; reason: 'unknown' | 'already_commented' }> {
  const feedbackId = readLinkToken(services.secrets.links, COMMENT_PURPOSE, commentToken);
  const found = feedbackId
    ? await services.db.selectFrom('email_invitations').select(['client_id', 'location_id', 'sub_measure_id']).where('feedback_id', '=', feedbackId).executeTakeFirst()
    : undefined;
  if (!feedbackId || !found) return { ok: false, reason: 'unknown' };
  const clientId = asClientId(found.client_id);
  return withClient(services.db, clientId, async (trx) => {
    const updated = await trx
      .updateTable('feedback')
      .set({ comment, updated_at: new Date() })
      .where('client_id', '=', clientId)
      .where('id', '=', feedbackId)
      .where('comment', '=', '')
      .returning(['location_id', 'submitted_at', 'scale', 'score'])
      .executeTakeFirst();
    if (!updated) return { ok: false, reason: 'already_commented' } as const;
    const target = await targetOf(trx, clientId, found.location_id, found.sub_measure_id);
    if (!target.ok) return { ok: false, reason: 'unknown' } as const;
    const day = localDay(updated.submitted_at, target.target.clientTimezone);
    await enqueueRollupUpdate(services.jobs, trx, { clientId, locationId: updated.location_id, day });
    await enqueueFeedbackUpdated(trx, clientId, feedbackId, ['comment']);
    return { ok: true, target: target.target } as const;
  });
}
