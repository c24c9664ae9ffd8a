/**
 * Per-client keyrings: the wrapped keys open only under the master key that wrapped them and
 * only for the client they were made for; a ciphertext opens only in the field and client it
 * was written for; blind indexes are stable within a client and unrelated across clients.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { asClientId } from '../db/tenancy.ts';
import { createWrappedClientKeys, unwrapClientKeyring } from './keyring.ts';

describe('client keyring', () => {
  const masterKey = randomBytes(32);
  const clientA = asClientId(randomUUID());
  const clientB = asClientId(randomUUID());
  const wrappedA = createWrappedClientKeys(masterKey, clientA);
  const wrappedB = createWrappedClientKeys(masterKey, clientB);
  const a = unwrapClientKeyring(masterKey, clientA, wrappedA);
  const b = unwrapClientKeyring(masterKey, clientB, wrappedB);

  it('stores no key in the clear: the wrapped keys are envelopes, not 32 raw bytes', () => {
    expect(wrappedA.wrapped_data_key.length).toBe(1 + 12 + 16 + 32);
    expect(wrappedA.wrapped_index_key.length).toBe(1 + 12 + 16 + 32);
    expect(wrappedA.wrapped_data_key.equals(wrappedA.wrapped_index_key)).toBe(false);
  });

  it('cannot be unwrapped under another master key (a lost master key loses the data)', () => {
    expect(() => unwrapClientKeyring(randomBytes(32), clientA, wrappedA)).toThrow();
  });

  it('cannot be unwrapped as another client (wrapped keys copied between client rows are useless)', () => {
    expect(() => unwrapClientKeyring(masterKey, clientB, wrappedA)).toThrow();
  });

  it('decrypts a contact detail only in the client and field it was encrypted for', () => {
    const email = a.encrypt('email', 'aroha@example.com');
    expect(a.decrypt('email', email)).toBe('aroha@example.com');
    expect(() => a.decrypt('name', email)).toThrow();
    expect(() => a.decrypt('mobile', email)).toThrow();
    expect(() => b.decrypt('email', email)).toThrow();
  });

  it('gives a stable blind index per client and field, unrelated across clients and fields', () => {
    const once = a.blindIndex('email', 'aroha@example.com');
    expect(once.length).toBe(32);
    expect(a.blindIndex('email', 'aroha@example.com').equals(once)).toBe(true);
    // The same keyring unwrapped again (another process) computes the same index.
    expect(unwrapClientKeyring(masterKey, clientA, wrappedA).blindIndex('email', 'aroha@example.com').equals(once)).toBe(true);
    expect(b.blindIndex('email', 'aroha@example.com').equals(once)).toBe(false);
    expect(a.blindIndex('mobile', 'aroha@example.com').equals(once)).toBe(false);
    expect(a.blindIndex('email', 'aroha@example.co').equals(once)).toBe(false);
  });
});
