/**
 * Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30 s), through otpauth. A code
 * is accepted one step either side of now, and each time step only once per account.
 */
import { Secret, TOTP } from 'otpauth';

const period = 30;

export function createTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpUri(secretBase32: string, account: string): string {
  return new TOTP({ issuer: 'Hark', label: account, secret: Secret.fromBase32(secretBase32), period }).toString();
}

/**
 * The time step a code belongs to, or null if it is wrong or that step (or an earlier one)
 * was already used: pass the last accepted step to refuse replays.
 */
export function checkTotpCode(secretBase32: string, code: string, lastStep: number | null, now = Date.now()): number | null {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const totp = new TOTP({ secret: Secret.fromBase32(secretBase32), period });
  const delta = totp.validate({ token, timestamp: now, window: 1 });
  if (delta === null) return null;
  const step = TOTP.counter({ period, timestamp: now }) + delta;
  if (lastStep !== null && step <= lastStep) return null;
  return step;
}

/** The current code for a secret: for tests and for showing set-up worked. */
export function currentTotpCode(secretBase32: string, now = Date.now()): string {
  return new TOTP({ secret: Secret.fromBase32(secretBase32), period }).generate({ timestamp: now });
}
