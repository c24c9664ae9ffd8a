/**
 * Password reset by email. Asking always answers the same way, whether or not the address
 * has an account; the link lasts an hour and works once; using it ends every session of the
 * account and lifts every login lock.
 */
import type { Services } from '../context.ts';
import { readLinkToken, signLinkToken } from './link-tokens.ts';
import { clearLoginFailures } from './login.ts';
import { hashPassword, passwordProblem } from './passwords.ts';
import { findUserByEmail } from './queries.ts';
import { endSessionsOfUser } from './sessions.ts';

export const resetLifetimeMinutes = 60;
const purpose = 'password-reset';
/** At most this many reset emails per account per hour, so the form cannot flood a mailbox. */
const maxResetsPerHour = 3;

export function passwordResetLink(services: Services, resetId: string): string {
  return `${services.publicUrl}/portal/reset-password/${signLinkToken(services.secrets.links, purpose, resetId)}`;
}

export async function requestPasswordReset(services: Services, email: string): Promise<void> {
  const user = await findUserByEmail(services.db, email);
  if (!user || user.disabled_at) return;
  await services.db.transaction().execute(async (trx) => {
    const recent = await trx
      .selectFrom('password_resets')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', user.id)
      .where('created_at', '>', new Date(Date.now() - 3_600_000))
      .executeTakeFirstOrThrow();
    if (Number(recent.n) >= maxResetsPerHour) return;
    const reset = await trx
      .insertInto('password_resets')
      .values({ user_id: user.id, expires_at: new Date(Date.now() + resetLifetimeMinutes * 60_000) })
      .returning('id')
      .executeTakeFirstOrThrow();
    await services.jobs.sendInTransaction(trx, 'send-account-email', { kind: 'password_reset', resetId: reset.id });
  });
}

export type ResetResult =
  | { ok: true; userId: string }
  | { ok: false; reason: 'reset_link_invalid' }
  | { ok: false; reason: 'weak_password'; message: string };

export async function resetPassword(services: Services, token: string, password: string): Promise<ResetResult> {
  const id = readLinkToken(services.secrets.links, purpose, token);
  if (!id) return { ok: false, reason: 'reset_link_invalid' };
  const reset = await services.db
    .selectFrom('password_resets as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select(['r.id', 'r.user_id', 'r.expires_at', 'r.used_at', 'u.email', 'u.disabled_at'])
    .where('r.id', '=', id)
    .executeTakeFirst();
  if (!reset || reset.used_at || reset.disabled_at || reset.expires_at.getTime() <= Date.now()) return { ok: false, reason: 'reset_link_invalid' };
  const problem = passwordProblem(password, reset.email);
  if (problem) return { ok: false, reason: 'weak_password', message: problem };
  const passwordHash = await hashPassword(password);
  const done = await services.db.transaction().execute(async (trx) => {
    const claimed = await trx.updateTable('password_resets').set({ used_at: new Date() }).where('id', '=', id).where('used_at', 'is', null).returning('id').executeTakeFirst();
    if (!claimed) return false;
    await trx.updateTable('users').set({ password_hash: passwordHash, password_changed_at: new Date() }).where('id', '=', reset.user_id).execute();
    return true;
  });
  if (!done) return { ok: false, reason: 'reset_link_invalid' };
  await endSessionsOfUser(services.db, reset.user_id);
  await clearLoginFailures(services.db, reset.user_id);
  return { ok: true, userId: reset.user_id };
}
