/**
 * Signing in: password (argon2id), then a TOTP code when the account has one, with
 * throttling that cannot lock the owner out for good.
 *
 * Failures are counted per account and device. A browser that has signed in to the account
 * before carries a signed device cookie and has its own count; every other browser shares
 * one. So an attacker guessing passwords locks out only browsers the account has never
 * used, the owner's own browser keeps working, and every lock expires by itself (a
 * password reset lifts them all at once).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database, UsersTable } from '../db/schema.ts';
import type { Selectable } from 'kysely';
import { open } from '../keys/envelope.ts';
import { verifyPassword } from './passwords.ts';
import { findUserByEmail } from './queries.ts';
import { checkTotpCode } from './totp.ts';

type Db = Kysely<Database>;
type UserRow = Selectable<UsersTable>;

/** Free failures before a lock, and the longest lock, for known and unknown devices. */
export const throttle = {
  knownDevice: { freeFailures: 5, maxLockMinutes: 15 },
  unknownDevice: { freeFailures: 10, maxLockMinutes: 60 },
  /** A count older than this starts again from zero. */
  forgetAfterHours: 24,
} as const;

export interface LoginSecrets {
  devices: Buffer;
  totp: Buffer;
}

export type LoginResult =
  | { ok: true; user: UserRow; deviceToken: string }
  | { ok: false; reason: 'invalid_credentials' | 'totp_required' | 'totp_invalid' }
  | { ok: false; reason: 'locked'; retryAfterSeconds: number };

function deviceMac(secret: Buffer, userId: string, deviceId: string): Buffer {
  return createHmac('sha256', secret).update(`device:${userId}:${deviceId}`).digest();
}

export function signDeviceToken(secret: Buffer, userId: string, deviceId: string): string {
  return `${userId}.${deviceId}.${deviceMac(secret, userId, deviceId).toString('base64url')}`;
}

/** The device id in a cookie if it was issued for this user by this installation, else ''. */
export function readDeviceToken(secret: Buffer, userId: string, token: string | undefined): string {
  if (!token) return '';
  const [tokenUser, deviceId, signature] = token.split('.');
  if (tokenUser !== userId || !deviceId || !signature || !/^[A-Za-z0-9_-]{16,64}$/.test(deviceId)) return '';
  const expected = deviceMac(secret, userId, deviceId);
  const given = Buffer.from(signature, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected) ? deviceId : '';
}

export function totpAad(userId: string): string {
  return `totp:${userId}`;
}

async function lockedFor(db: Db, userId: string, device: string): Promise<number> {
  const row = await db
    .selectFrom('login_failures')
    .select('locked_until')
    .where('user_id', '=', userId)
    .where('device', '=', device)
    .executeTakeFirst();
  const until = row?.locked_until?.getTime() ?? 0;
  return Math.max(0, Math.ceil((until - Date.now()) / 1000));
}

async function recordFailure(db: Db, userId: string, device: string): Promise<void> {
  const { rows } = await sql<{ failures: number }>`
    insert into login_failures (user_id, device, failures, last_failure_at)
    values (${userId}, ${device}, 1, now())
    on conflict (user_id, device) do update set
      failures = case when login_failures.last_failure_at < now() - make_interval(hours => ${throttle.forgetAfterHours})
                      then 1 else login_failures.failures + 1 end,
      last_failure_at = now()
    returning failures`.execute(db);
  const failures = rows[0]?.failures ?? 1;
  const rule = device ? throttle.knownDevice : throttle.unknownDevice;
  if (failures > rule.freeFailures) {
    const minutes = Math.min(2 ** (failures - rule.freeFailures - 1), rule.maxLockMinutes);
    await db
      .updateTable('login_failures')
      .set({ locked_until: new Date(Date.now() + minutes * 60_000) })
      .where('user_id', '=', userId)
      .where('device', '=', device)
      .execute();
  }
}

export async function clearLoginFailures(db: Db, userId: string, device?: string): Promise<void> {
  let query = db.deleteFrom('login_failures').where('user_id', '=', userId);
  if (device !== undefined) query = query.where('device', '=', device);
  await query.execute();
}

export async function attemptLogin(
  db: Db,
  secrets: LoginSecrets,
  input: { email: string; password: string; totpCode?: string | undefined; deviceCookie?: string | undefined },
): Promise<LoginResult> {
  const user = await findUserByEmail(db, input.email);
  if (!user || user.disabled_at || !user.password_hash) {
    await verifyPassword(null, input.password);
    return { ok: false, reason: 'invalid_credentials' };
  }
  const device = readDeviceToken(secrets.devices, user.id, input.deviceCookie);
  const retryAfterSeconds = await lockedFor(db, user.id, device);
  if (retryAfterSeconds > 0) return { ok: false, reason: 'locked', retryAfterSeconds };

  if (!(await verifyPassword(user.password_hash, input.password))) {
    await recordFailure(db, user.id, device);
    return { ok: false, reason: 'invalid_credentials' };
  }
  if (user.totp_enabled_at && user.totp_secret_enc) {
    if (!input.totpCode) return { ok: false, reason: 'totp_required' };
    const secret = open(secrets.totp, user.totp_secret_enc, totpAad(user.id)).toString('utf8');
    const step = checkTotpCode(secret, input.totpCode, user.totp_last_step);
    if (step === null) {
      await recordFailure(db, user.id, device);
      return { ok: false, reason: 'totp_invalid' };
    }
    await db.updateTable('users').set({ totp_last_step: step }).where('id', '=', user.id).execute();
  }
  await clearLoginFailures(db, user.id, device);
  const deviceId = device || randomBytes(16).toString('base64url');
  return { ok: true, user, deviceToken: signDeviceToken(secrets.devices, user.id, deviceId) };
}
