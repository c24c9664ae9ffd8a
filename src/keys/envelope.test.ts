/**
 * AES-256-GCM envelopes: what goes in comes out, only under the same key and the same
 * associated data, and any change to a stored envelope is detected rather than decrypted
 * into something else.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { open, seal } from './envelope.ts';

const VERSION_BYTES = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = VERSION_BYTES + IV_BYTES + TAG_BYTES;

/** A copy of `envelope` with one bit flipped at `index`. */
function flipBit(envelope: Buffer, index: number): Buffer {
  const copy = Buffer.from(envelope);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

describe('envelope', () => {
  const key = randomBytes(32);
  const plaintext = Buffer.from('Aroha Ngata <aroha@example.com> — ✓ 021 123 4567', 'utf8');

  it('opens what it sealed, with the layout version | iv | tag | ciphertext', () => {
    const envelope = seal(key, plaintext, 'client:email');
    expect(envelope[0]).toBe(1);
    expect(envelope.length).toBe(HEADER_BYTES + plaintext.length);
    expect(envelope.includes(plaintext)).toBe(false);
    expect(open(key, envelope, 'client:email').equals(plaintext)).toBe(true);
  });

  it('seals the empty value too', () => {
    const envelope = seal(key, Buffer.alloc(0), 'aad');
    expect(envelope.length).toBe(HEADER_BYTES);
    expect(open(key, envelope, 'aad').length).toBe(0);
  });

  it('uses a fresh nonce each time, so equal plaintexts give unrelated envelopes', () => {
    const envelopes = Array.from({ length: 200 }, () => seal(key, plaintext, 'aad'));
    const ivs = new Set(envelopes.map((e) => e.subarray(VERSION_BYTES, VERSION_BYTES + IV_BYTES).toString('hex')));
    expect(ivs.size).toBe(envelopes.length);
    const bodies = new Set(envelopes.map((e) => e.subarray(HEADER_BYTES).toString('hex')));
    expect(bodies.size).toBe(envelopes.length);
  });

  it('refuses to open under another key', () => {
    const envelope = seal(key, plaintext, 'aad');
    expect(() => open(randomBytes(32), envelope, 'aad')).toThrow(/unable to authenticate|auth/i);
  });

  it('refuses to open under other associated data (another client or field)', () => {
    const envelope = seal(key, plaintext, 'client-a:email');
    expect(() => open(key, envelope, 'client-b:email')).toThrow(/unable to authenticate|auth/i);
    expect(() => open(key, envelope, 'client-a:name')).toThrow(/unable to authenticate|auth/i);
  });

  it('detects a change to any byte of the iv, the tag or the ciphertext', () => {
    const envelope = seal(key, plaintext, 'aad');
    const regions = {
      iv: VERSION_BYTES,
      'first tag byte': VERSION_BYTES + IV_BYTES,
      'last tag byte': HEADER_BYTES - 1,
      'first ciphertext byte': HEADER_BYTES,
      'last ciphertext byte': envelope.length - 1,
    };
    for (const [region, index] of Object.entries(regions)) {
      expect(() => open(key, flipBit(envelope, index), 'aad'), region).toThrow();
    }
    // And every single byte, exhaustively: GCM authenticates all of them.
    for (let index = VERSION_BYTES; index < envelope.length; index++) {
      expect(() => open(key, flipBit(envelope, index), 'aad'), `byte ${index}`).toThrow();
    }
  });

  it('refuses a truncated envelope, an extended one and one of an unknown version', () => {
    const envelope = seal(key, plaintext, 'aad');
    expect(() => open(key, envelope.subarray(0, envelope.length - 1), 'aad')).toThrow();
    expect(() => open(key, Buffer.concat([envelope, Buffer.from([0])]), 'aad')).toThrow();
    expect(() => open(key, envelope.subarray(0, HEADER_BYTES - 1), 'aad')).toThrow(/not a sealed envelope/);
    expect(() => open(key, flipBit(envelope, 0), 'aad')).toThrow(/not a sealed envelope/);
  });

  it('refuses a key that is not 256 bits', () => {
    expect(() => seal(randomBytes(16), plaintext, 'aad')).toThrow(/key length/i);
  });
});
