/**
 * The key store: where client key secrets live, outside the database, so no database dump
 * or restored backup holds them. Destroying a client's entry here is what makes every copy
 * of its contact details unreadable (crypto-shredding).
 *
 * The store only ever holds keys already wrapped by the master key: a copy of the store
 * without the master key opens nothing. `DirectoryKeyStore` keeps one file per key; a KMS
 * or Vault adapter can implement `KeyStore` instead.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ClientId } from '../db/tenancy.ts';

/** A client's keys as stored: both wrapped by the master key, bound to the client. */
export interface StoredClientKey {
  keyId: string;
  clientId: ClientId;
  createdAt: string;
  wrappedDataKey: Buffer;
  wrappedIndexKey: Buffer;
}

export interface KeyStore {
  /** Where the keys are, for messages to the operator (never a secret). */
  readonly description: string;
  /** Stores a key whole or not at all. Storing the same key id again replaces it. */
  put(key: StoredClientKey): Promise<void>;
  get(keyId: string): Promise<StoredClientKey | undefined>;
  /** Removes a key for good; false when it was not there (destroyed already). */
  destroy(keyId: string): Promise<boolean>;
}

const keyIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const keyFileSchema = z.object({
  format: z.literal('hark-client-key/1'),
  keyId: z.string().regex(keyIdPattern),
  clientId: z.string().regex(keyIdPattern),
  createdAt: z.string(),
  wrappedDataKey: z.string().base64(),
  wrappedIndexKey: z.string().base64(),
});

/**
 * One file per key, `<key id>.key`, readable by its owner only, in a folder that every Hark
 * process of the installation shares (the data folder in embedded mode; HARK_KEY_STORE_DIR,
 * a shared volume, when many processes run).
 */
export class DirectoryKeyStore implements KeyStore {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = path.resolve(dir);
  }

  get description(): string {
    return `the key store folder ${this.#dir}`;
  }

  #file(keyId: string): string {
    // The id names a file: only a uuid may, so no id reaches outside the folder.
    if (!keyIdPattern.test(keyId)) throw new Error('a key id must be a lower-case uuid');
    return path.join(this.#dir, `${keyId}.key`);
  }

  async put(key: StoredClientKey): Promise<void> {
    const file = this.#file(key.keyId);
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const text = JSON.stringify({
      format: 'hark-client-key/1',
      keyId: key.keyId,
      clientId: key.clientId,
      createdAt: key.createdAt,
      wrappedDataKey: key.wrappedDataKey.toString('base64'),
      wrappedIndexKey: key.wrappedIndexKey.toString('base64'),
    });
    // Written whole under another name, flushed, then renamed into place: a reader (another
    // process) sees the old file or the new one, never half of one, even after a power cut.
    const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const handle = await open(draft, 'wx', 0o600);
      try {
        await handle.writeFile(`${text}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(draft, file);
    } catch (error) {
      await rm(draft, { force: true });
      throw error;
    }
    await this.#syncFolder();
  }

  async get(keyId: string): Promise<StoredClientKey | undefined> {
    const file = this.#file(keyId);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let parsed: z.infer<typeof keyFileSchema>;
    try {
      parsed = keyFileSchema.parse(JSON.parse(text));
    } catch {
      throw new Error(`${file} is not a Hark client key file (damaged?)`);
    }
    if (parsed.keyId !== keyId) throw new Error(`${file} holds key ${parsed.keyId}, not ${keyId}`);
    return {
      keyId: parsed.keyId,
      clientId: parsed.clientId as ClientId,
      createdAt: parsed.createdAt,
      wrappedDataKey: Buffer.from(parsed.wrappedDataKey, 'base64'),
      wrappedIndexKey: Buffer.from(parsed.wrappedIndexKey, 'base64'),
    };
  }

  async destroy(keyId: string): Promise<boolean> {
    const file = this.#file(keyId);
    try {
      await unlink(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    await this.#syncFolder();
    return true;
  }

  /** Makes a rename or unlink durable: the folder's entry list is flushed too. */
  async #syncFolder(): Promise<void> {
    const handle = await open(this.#dir, 'r');
    try {
      await handle.sync();
    } catch (error) {
      // Some file systems do not sync folders; the file itself was synced.
      if ((error as NodeJS.ErrnoException).code !== 'EINVAL' && (error as NodeJS.ErrnoException).code !== 'EISDIR') throw error;
    } finally {
      await handle.close();
    }
  }
}
