/**
 * API keys look like `hk_ab12cd34_<43 base64url characters>`: a recognisable prefix (kept
 * and shown) and 32 random bytes. Only the SHA-256 of the whole key is stored; with that
 * much randomness a fast hash cannot be reversed, and lookup by hash needs no scan.
 */
import { createHash, randomBytes } from 'node:crypto';

const prefixAlphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
const keyPattern = /^(hk_[a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKeySecret {
  key: string;
  prefix: string;
  hash: Buffer;
}

export function generateApiKey(): NewApiKeySecret {
  const bytes = randomBytes(8);
  const prefix = `hk_${[...bytes].map((b) => prefixAlphabet[b % prefixAlphabet.length]).join('')}`;
  const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The prefix of a well-formed key, or null for anything that cannot be a Hark key. */
export function prefixOfApiKey(key: string): string | null {
  return keyPattern.exec(key)?.[1] ?? null;
}
