/**
 * Per-client keys: a data key for contact details (AES-256-GCM) and an index key for blind
 * indexes (HMAC-SHA256), both wrapped by the master key and kept in the key store; the
 * database's `client_keys` only names them.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { ClientId, Trx } from '../db/tenancy.ts';
import { open, seal } from './envelope.ts';
import type { KeyStore } from './key-store.ts';

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

/** A client's keys cannot be used: destroyed (terminated client) or missing from the key store. */
export class ClientKeyUnavailableError extends Error {
  constructor(
    readonly clientId: ClientId,
    readonly reason: 'no_keys' | 'missing_from_store' | 'wrong_client',
    message: string,
  ) {
    super(message);
    this.name = 'ClientKeyUnavailableError';
  }
}

/** What was destroyed: for the deletion certificate. */
export interface DestroyedClientKey {
  keyId: string;
  createdAt: Date;
  /** False when the key store no longer held it (destroyed by an earlier, interrupted run). */
  wasInStore: boolean;
}

/**
 * Opens client keyrings from the key store, and makes and destroys client keys. The
 * database row in `client_keys` names the key (its id); the secret is in the key store.
 *
 * Unwrapped keyrings are cached per process, by key id. Every lookup still reads the
 * client's key id from the database (a primary-key read), so a key destroyed by another
 * process is refused here at once rather than when this process restarts.
 */
export class KeyringCache {
  readonly #masterKey: Buffer;
  readonly #store: KeyStore;
  readonly #keyrings = new Map<string, ClientKeyring>();

  constructor(masterKey: Buffer, store: KeyStore) {
    this.#masterKey = masterKey;
    this.#store = store;
  }

  get masterKey(): Buffer {
    return this.#masterKey;
  }

  get store(): KeyStore {
    return this.#store;
  }

  /**
   * Makes a client's keys: written to the key store first, then named in `client_keys` in
   * the caller's transaction. Returns the key id; if the transaction then fails, the caller
   * should `discardKey` it.
   */
  async createClientKeys(trx: Trx, clientId: ClientId): Promise<string> {
    const keyId = randomUUID();
    const createdAt = new Date();
    const wrapped = createWrappedClientKeys(this.#masterKey, clientId);
    await this.#store.put({
      keyId,
      clientId,
      createdAt: createdAt.toISOString(),
      wrappedDataKey: wrapped.wrapped_data_key,
      wrappedIndexKey: wrapped.wrapped_index_key,
    });
    await trx.insertInto('client_keys').values({ client_id: clientId, key_id: keyId, created_at: createdAt }).execute();
    return keyId;
  }

  /** Removes a key that no row names (its client's creation rolled back). */
  async discardKey(keyId: string): Promise<void> {
    await this.#store.destroy(keyId);
  }

  async keyringFor(trx: Trx, clientId: ClientId): Promise<ClientKeyring> {
    const row = await trx.selectFrom('client_keys').select(['key_id']).where('client_id', '=', clientId).executeTakeFirst();
    if (!row?.key_id) {
      throw new ClientKeyUnavailableError(clientId, 'no_keys', `client ${clientId} has no keys: it was terminated, or never set up`);
    }
    const cached = this.#keyrings.get(row.key_id);
    if (cached?.clientId === clientId) return cached;
    const stored = await this.#store.get(row.key_id);
    if (!stored) {
      throw new ClientKeyUnavailableError(
        clientId,
        'missing_from_store',
        `key ${row.key_id} of client ${clientId} is not in ${this.#store.description}: every Hark process must share one key store ` +
          '(set HARK_KEY_STORE_DIR to the same shared folder everywhere), or the key was destroyed',
      );
    }
    if (stored.clientId !== clientId) {
      throw new ClientKeyUnavailableError(clientId, 'wrong_client', `key ${row.key_id} in ${this.#store.description} belongs to another client`);
    }
    const keyring = unwrapClientKeyring(this.#masterKey, clientId, {
      wrapped_data_key: stored.wrappedDataKey,
      wrapped_index_key: stored.wrappedIndexKey,
    });
    this.#keyrings.set(row.key_id, keyring);
    return keyring;
  }

  /**
   * Destroys every key of a client: first in the key store (from then on nothing can decrypt
   * its contact details, in the database or in any backup), then its rows in the caller's
   * transaction. Safe to repeat after an interruption.
   */
  async destroyClientKeys(trx: Trx, clientId: ClientId): Promise<DestroyedClientKey[]> {
    const rows = await trx.selectFrom('client_keys').select(['key_id', 'created_at']).where('client_id', '=', clientId).execute();
    const destroyed: DestroyedClientKey[] = [];
    for (const row of rows) {
      if (!row.key_id) continue;
      const wasInStore = await this.#store.destroy(row.key_id);
      this.#keyrings.delete(row.key_id);
      destroyed.push({ keyId: row.key_id, createdAt: row.created_at, wasInStore });
    }
    await trx.deleteFrom('client_keys').where('client_id', '=', clientId).execute();
    return destroyed;
  }

  forget(clientId: ClientId): void {
    for (const [keyId, keyring] of this.#keyrings) if (keyring.clientId === clientId) this.#keyrings.delete(keyId);
  }
}
