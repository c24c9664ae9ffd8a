/**
 * One-time form tokens. Stateless: a random nonce and issue time signed for one location
 * (and sub-measure), so showing the form writes nothing. Single use comes from the
 * database: a feedback row keeps its nonce under a unique index, and a second submit of the
 * same form finds the first feedback instead of adding one.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const MAX_AGE_SECONDS = 24 * 60 * 60;
const CLOCK_SKEW_SECONDS = 300;

function sign(secret: Buffer, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url').slice(0, 32);
}

export function issueFormToken(secret: Buffer, locationId: string, subMeasureId: string | null, now = new Date()): string {
  const issued = Math.floor(now.getTime() / 1000);
  const nonce = randomBytes(16).toString('base64url');
  const signature = sign(secret, `${locationId}.${subMeasureId ?? '-'}.${issued}.${nonce}`);
  return `${issued}.${nonce}.${signature}`;
}

export type FormTokenCheck = { ok: true; nonce: string } | { ok: false; reason: 'form_token_invalid' | 'form_token_expired' };

export function checkFormToken(
  secret: Buffer,
  token: string,
  locationId: string,
  subMeasureId: string | null,
  now = new Date(),
): FormTokenCheck {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!match) return { ok: false, reason: 'form_token_invalid' };
  const [, issuedText, nonce, signature] = match as unknown as [string, string, string, string];
  const expected = sign(secret, `${locationId}.${subMeasureId ?? '-'}.${issuedText}.${nonce}`);
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) return { ok: false, reason: 'form_token_invalid' };
  const age = now.getTime() / 1000 - Number(issuedText);
  if (age > MAX_AGE_SECONDS || age < -CLOCK_SKEW_SECONDS) return { ok: false, reason: 'form_token_expired' };
  return { ok: true, nonce };
}
