/**
 * Per-client keys: a data key for contact details (AES-256-GCM) and an index key for blind
 * indexes (HMAC-SHA256), both stored wrapped by the master key in `client_keys`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { ClientId, Trx } from '../db/tenancy.ts';
import { open, seal } from './envelope.ts';

/** What a ciphertext holds; 'message' is the body of a text message to or from a customer. */
export type ContactField = 'name' | 'email' | 'mobile' | 'message';

export interface ClientKeyring {
  readonly clientId: ClientId;
  encrypt(field: ContactField, plaintext: string): Buffer;
  decrypt(field: ContactField, ciphertext: Buffer): string;
  /** Keyed hash of an already normalised value, for lookups without decryption. */
  blindIndex(field: 'email' | 'mobile', normalised: string): Buffer;
}

export interface WrappedClientKeys {
  wrapped_data_key: Buffer;
  wrapped_index_key: Buffer;
}

export function createWrappedClientKeys(masterKey: Buffer, clientId: ClientId): WrappedClientKeys {
  return {
    wrapped_data_key: seal(masterKey, randomBytes(32), `client-data-key:${clientId}`),
    wrapped_index_key: seal(masterKey, randomBytes(32), `client-index-key:${clientId}`),
  };
}

export function unwrapClientKeyring(masterKey: Buffer, clientId: ClientId, wrapped: WrappedClientKeys): ClientKeyring {
  const dataKey = open(masterKey, wrapped.wrapped_data_key, `client-data-key:${clientId}`);
  const indexKey = open(masterKey, wrapped.wrapped_index_key, `client-index-key:${clientId}`);
  // The field and client are bound into each ciphertext, so one can't be pasted into another row's field.
  const aad = (field: ContactField) => `${clientId}:${field}`;
  return {
    clientId,
    encrypt: (field, plaintext) => seal(dataKey, Buffer.from(plaintext, 'utf8'), aad(field)),
    decrypt: (field, ciphertext) => open(dataKey, ciphertext, aad(field)).toString('utf8'),
    blindIndex: (field, normalised) => createHmac('sha256', indexKey).update(`${field}:${normalised}`).digest(),
  };
}

/**
 * Unwrapped keyrings are cached per process: a cache of what the database holds, so
 * any number of processes may each keep one.
 */
export class KeyringCache {
  readonly #masterKey: Buffer;
  readonly #keyrings = new Map<ClientId, ClientKeyring>();

  constructor(masterKey: Buffer) {
    this.#masterKey = masterKey;
  }

  get masterKey(): Buffer {
    return this.#masterKey;
  }

  async keyringFor(trx: Trx, clientId: ClientId): Promise<ClientKeyring> {
    const cached = this.#keyrings.get(clientId);
    if (cached) return cached;
    const row = await trx
      .selectFrom('client_keys')
      .select(['wrapped_data_key', 'wrapped_index_key'])
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    if (!row) throw new Error('client has no keys');
    const keyring = unwrapClientKeyring(this.#masterKey, clientId, row);
    this.#keyrings.set(clientId, keyring);
    return keyring;
  }

  forget(clientId: ClientId): void {
    this.#keyrings.delete(clientId);
  }
}
