/**
 * One invitation after a transaction, by email, by text, or both: what a client's system
 * asks for with POST /api/v1/invitations. Each channel keeps its own rules, which live with
 * it: the email invitation's (email-invitations.ts), and the SMS domain's for texts (opt-out,
 * quarantine since the number's last invitation, quiet hours on the business's clock, after
 * which a text waits rather than being dropped).
 *
 * Input that is wrong (an address or number that is not one, a location the caller may not
 * invite to) refuses the whole request before anything is sent. A channel's rule (opted out,
 * quarantined, no SMS number) refuses that channel only, and says why.
 */
import type { Access } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import { describeRefusal, sendInvitation } from '../sms/index.ts';
import { createEmailInvitation, readInvitationEmail } from './email-invitations.ts';

export interface CustomerInvitationRequest {
  email?: string | undefined;
  mobile?: string | undefined;
  name?: string | undefined;
  locationId: string;
  subMeasureId?: string | undefined;
  orderRef?: string | undefined;
}

/** Why a channel was not used: a rule of that channel, never a mistake in the request. */
export type ChannelRefusalReason = 'opted_out' | 'quarantined' | 'no_sms_number';
export interface ChannelRefusal {
  status: 'refused';
  reason: ChannelRefusalReason;
  message: string;
  /** Quarantined: when the address or number may be invited again. */
  until: Date | null;
}

export type EmailOutcome = { status: 'queued'; id: string; expiresAt: Date } | ChannelRefusal;
export type TextOutcome = { status: 'queued' | 'scheduled'; id: string; sendAfter: Date | null } | ChannelRefusal;

export type CustomerInvitationResult =
  | { ok: true; email: EmailOutcome | null; sms: TextOutcome | null }
  | { ok: false; reason: 'invalid_email' | 'invalid_mobile' | 'unknown_location' | 'unknown_sub_measure' };

export async function inviteCustomer(services: Services, access: Access, request: CustomerInvitationRequest): Promise<CustomerInvitationResult> {
  if (request.email !== undefined && !readInvitationEmail(request.email)) return { ok: false, reason: 'invalid_email' };

  // The text first: its refusals for bad input come before anything is written, so a request
  // with a bad number sends no email either.
  let sms: TextOutcome | null = null;
  if (request.mobile !== undefined) {
    const sent = await sendInvitation(services, access, { mobile: request.mobile, name: request.name ?? null, locationId: request.locationId, subMeasureId: request.subMeasureId });
    if (sent.ok) {
      sms = { status: sent.sendAfter ? 'scheduled' : 'queued', id: sent.messageId, sendAfter: sent.sendAfter };
    } else {
      const reason = sent.reason;
      if (reason === 'invalid_mobile' || reason === 'unknown_location' || reason === 'unknown_sub_measure') return { ok: false, reason };
      sms = { status: 'refused', reason, message: `Not sent: ${describeRefusal(sent)}.`, until: sent.reason === 'quarantined' ? sent.until : null };
    }
  }

  let email: EmailOutcome | null = null;
  if (request.email !== undefined) {
    const made = await createEmailInvitation(services, access, { email: request.email, locationId: request.locationId, subMeasureId: request.subMeasureId, orderRef: request.orderRef });
    if (!made.ok && made.reason !== 'quarantined') return { ok: false, reason: made.reason };
    email = made.ok
      ? { status: 'queued', id: made.invitationId, expiresAt: made.expiresAt }
      : { status: 'refused', reason: 'quarantined', message: `This address was invited recently; it may be invited again from ${made.until.toISOString()}.`, until: made.until };
  }
  return { ok: true, email, sms };
}
