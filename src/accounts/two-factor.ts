/**
 * Two-factor set-up: a person starts enrolment (a new secret, shown once as a QR code and
 * text), confirms it with a current code, and may later turn it off with a code, unless a
 * client they belong to makes it compulsory.
 */
import QRCode from 'qrcode';
import type { Services } from '../context.ts';
import { open, seal } from '../keys/envelope.ts';
import { totpAad } from './login.ts';
import { verifyPassword } from './passwords.ts';
import { findUserById, listMembershipsOfUser } from './queries.ts';
import { checkTotpCode, createTotpSecret, totpUri } from './totp.ts';

export interface TotpEnrolment {
  secret: string;
  uri: string;
  qrSvg: string;
}

/** Stores a new, not yet enabled secret; the person confirms it with `confirmTotp`. */
export async function startTotpEnrolment(services: Services, userId: string): Promise<TotpEnrolment | null> {
  const user = await findUserById(services.db, userId);
  if (!user || user.totp_enabled_at) return null;
  const secret = createTotpSecret();
  await services.db
    .updateTable('users')
    .set({ totp_secret_enc: seal(services.secrets.totp, Buffer.from(secret, 'utf8'), totpAad(userId)), totp_last_step: null })
    .where('id', '=', userId)
    .execute();
  const uri = totpUri(secret, user.email);
  return { secret, uri, qrSvg: await QRCode.toString(uri, { type: 'svg', margin: 1 }) };
}

export async function confirmTotp(services: Services, userId: string, code: string): Promise<boolean> {
  const user = await findUserById(services.db, userId);
  if (!user?.totp_secret_enc || user.totp_enabled_at) return false;
  const secret = open(services.secrets.totp, user.totp_secret_enc, totpAad(userId)).toString('utf8');
  const step = checkTotpCode(secret, code, user.totp_last_step);
  if (step === null) return false;
  await services.db.updateTable('users').set({ totp_enabled_at: new Date(), totp_last_step: step }).where('id', '=', userId).execute();
  return true;
}

export type DisableTotpResult = { ok: true } | { ok: false; reason: 'invalid_credentials' | 'totp_invalid' | 'totp_compulsory' };

export async function disableTotp(services: Services, userId: string, input: { password: string; code: string }): Promise<DisableTotpResult> {
  const user = await findUserById(services.db, userId);
  if (!user?.totp_enabled_at || !user.totp_secret_enc) return { ok: true };
  const memberships = await listMembershipsOfUser(services.db, userId);
  if (memberships.some((m) => m.requireTotp)) return { ok: false, reason: 'totp_compulsory' };
  if (!(await verifyPassword(user.password_hash, input.password))) return { ok: false, reason: 'invalid_credentials' };
  const secret = open(services.secrets.totp, user.totp_secret_enc, totpAad(userId)).toString('utf8');
  if (checkTotpCode(secret, input.code, user.totp_last_step) === null) return { ok: false, reason: 'totp_invalid' };
  await services.db.updateTable('users').set({ totp_enabled_at: null, totp_secret_enc: null, totp_last_step: null }).where('id', '=', userId).execute();
  return { ok: true };
}
