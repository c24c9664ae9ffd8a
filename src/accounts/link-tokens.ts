/**
 * Tokens in emailed links (invitations, password resets): `<id>.<HMAC-SHA256(purpose, id)>`
 * under a secret derived from the master key. The database holds only the id, so a copy of
 * it cannot be turned into a working link.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function mac(secret: Buffer, purpose: string, id: string): Buffer {
  return createHmac('sha256', secret).update(`${purpose}:${id}`).digest();
}

export function signLinkToken(secret: Buffer, purpose: string, id: string): string {
  return `${id}.${mac(secret, purpose, id).toString('base64url')}`;
}

/** The id a token was signed for, or null if it was not signed by this installation. */
export function readLinkToken(secret: Buffer, purpose: string, token: string): string | null {
  const [id, signature, extra] = token.split('.');
  if (!id || !signature || extra !== undefined || !uuid.test(id)) return null;
  const expected = mac(secret, purpose, id);
  const given = Buffer.from(signature, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
}
