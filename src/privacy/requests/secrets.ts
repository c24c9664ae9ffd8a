/**
 * The installation's own secrets for privacy requests, derived from the master key: a key
 * that seals what a requester gave (name, addresses, details, access packages), and keys
 * for the hashes of codes, link tokens and the per-address request counter. Only hashes of
 * codes and tokens are stored, so a copy of the database cannot verify a request or open a
 * package.
 */
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import type { Services } from '../../context.ts';
import { deriveSecret } from '../../keys/index.ts';
import { open, seal } from '../../keys/envelope.ts';

export interface RequestSecrets {
  seal(purpose: string, plaintext: string): Buffer;
  open(purpose: string, sealed: Buffer): string;
  /** Keyed hash of a one-time code, bound to its request and identifier. */
  codeHash(requestId: string, kind: string, code: string): Buffer;
  /** Keyed hash of a normalised address, to count requests per address. */
  valueIndex(kind: string, normalised: string): Buffer;
  tokenHash(token: string): Buffer;
  /** Signs the cookie that ties a request's verify page to the browser that made it. */
  browserMac(requestId: string): string;
}

const cache = new WeakMap<Buffer, RequestSecrets>();

export function requestSecrets(services: Services): RequestSecrets {
  const master = services.keyrings.masterKey;
  const cached = cache.get(master);
  if (cached) return cached;
  const sealKey = deriveSecret(master, 'privacy-requests:seal');
  const hashKey = deriveSecret(master, 'privacy-requests:hash');
  const mac = (text: string) => createHmac('sha256', hashKey).update(text).digest();
  const secrets: RequestSecrets = {
    seal: (purpose, plaintext) => seal(sealKey, Buffer.from(plaintext, 'utf8'), `privacy:${purpose}`),
    open: (purpose, sealed) => open(sealKey, sealed, `privacy:${purpose}`).toString('utf8'),
    codeHash: (requestId, kind, code) => mac(`code:${requestId}:${kind}:${code}`),
    valueIndex: (kind, normalised) => mac(`value:${kind}:${normalised}`),
    tokenHash: (token) => mac(`download:${token}`),
    browserMac: (requestId) => mac(`browser:${requestId}`).subarray(0, 18).toString('base64url'),
  };
  cache.set(master, secrets);
  return secrets;
}

/** A 6-digit one-time code, uniformly drawn. */
export function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** An unguessable download token (256 bits). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}
