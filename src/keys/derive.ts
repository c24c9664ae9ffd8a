import { hkdfSync } from 'node:crypto';

/** A purpose-bound secret derived from the master key (HKDF-SHA256), e.g. for signing form tokens. */
export function deriveSecret(masterKey: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `hark:${purpose}`, 32));
}
