/**
 * Sends invitation and password-reset emails. The job carries ids only; the link is signed
 * here, at send time, so no usable token ever sits in the job table.
 */
import { z } from 'zod';
import type { Services } from '../../context.ts';
import { invitationLifetimeDays, invitationLink } from '../invitations.ts';
import { passwordResetLink, resetLifetimeMinutes } from '../password-resets.ts';

export const accountEmailJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('invitation'), clientId: z.string().uuid(), invitationId: z.string().uuid() }),
  z.object({ kind: z.literal('password_reset'), resetId: z.string().uuid() }),
]);
export type AccountEmailJob = z.infer<typeof accountEmailJobSchema>;

const roleWords = { owner: 'an owner', admin: 'an admin', manager: 'a manager', viewer: 'a viewer' } as const;

export async function sendAccountEmail(services: Services, data: unknown): Promise<void> {
  const job = accountEmailJobSchema.parse(data);
  if (job.kind === 'invitation') {
    const invitation = await services.db
      .selectFrom('invitations as i')
      .innerJoin('clients as c', 'c.id', 'i.client_id')
      .leftJoin('users as u', 'u.id', 'i.invited_by')
      .select(['i.id', 'i.email', 'i.role', 'i.accepted_at', 'i.revoked_at', 'c.name as client_name', 'u.name as inviter'])
      .where('i.id', '=', job.invitationId)
      .where('i.client_id', '=', job.clientId)
      .executeTakeFirst();
    if (!invitation || invitation.accepted_at || invitation.revoked_at) return;
    const link = invitationLink(services, invitation.id);
    await services.mailer.send({
      to: invitation.email,
      subject: `You are invited to ${invitation.client_name} on Hark`,
      text: [
        `Hello,`,
        ``,
        `${invitation.inviter ?? 'Someone'} has invited you to see and answer customer feedback for ${invitation.client_name}, as ${roleWords[invitation.role]}.`,
        ``,
        `Accept the invitation and choose your password here (the link works once, for ${invitationLifetimeDays} days):`,
        link,
        ``,
        `If you did not expect this, you can ignore this email.`,
      ].join('\n'),
      messageKey: `invitation-${invitation.id}`,
    });
    return;
  }
  const reset = await services.db
    .selectFrom('password_resets as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select(['r.id', 'r.used_at', 'r.expires_at', 'u.email', 'u.name'])
    .where('r.id', '=', job.resetId)
    .executeTakeFirst();
  if (!reset || reset.used_at || reset.expires_at.getTime() <= Date.now()) return;
  await services.mailer.send({
    to: reset.email,
    subject: 'Reset your Hark password',
    text: [
      `Hello ${reset.name},`,
      ``,
      `Someone asked to reset the password of your Hark account. Choose a new one here (the link works once, for ${resetLifetimeMinutes} minutes):`,
      passwordResetLink(services, reset.id),
      ``,
      `If it was not you, ignore this email: your password stays as it is.`,
    ].join('\n'),
    messageKey: `password-reset-${reset.id}`,
  });
}
