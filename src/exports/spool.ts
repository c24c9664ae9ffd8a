/**
 * A temporary file that holds one entry (a kind's CSV) while the same rows go into the zip
 * as JSON Lines, so each row is read from the database once. The file is encrypted with a
 * key that exists only in this process's memory (AES-256-CTR), so what a crash leaves
 * behind in the temp folder is unreadable.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import type { Cipher } from 'node:crypto';

export class EncryptedSpool {
  readonly #key = randomBytes(32);
  readonly #iv = randomBytes(16);
  readonly #file: string;
  readonly #cipher: Cipher;
  readonly #out: WriteStream;
  readonly #closed: Promise<unknown>;

  private constructor(file: string) {
    this.#file = file;
    this.#cipher = createCipheriv('aes-256-ctr', this.#key, this.#iv);
    this.#out = createWriteStream(file, { mode: 0o600 });
    this.#cipher.pipe(this.#out);
    this.#closed = once(this.#out, 'close');
    this.#closed.catch(() => {});
  }

  static async create(dir: string): Promise<EncryptedSpool> {
    return new EncryptedSpool(path.join(dir, `${randomBytes(8).toString('hex')}.spool`));
  }

  async write(chunk: string): Promise<void> {
    if (!this.#cipher.write(chunk, 'utf8')) await once(this.#cipher, 'drain');
  }

  /** Ends writing and yields the plaintext back in chunks. */
  async *readBack(): AsyncGenerator<Buffer> {
    this.#cipher.end();
    await this.#closed;
    const decipher = createDecipheriv('aes-256-ctr', this.#key, this.#iv);
    const input = createReadStream(this.#file, { highWaterMark: 256 * 1024 });
    input.pipe(decipher);
    input.on('error', (error) => decipher.destroy(error));
    for await (const chunk of decipher) yield chunk as Buffer;
  }

  async remove(): Promise<void> {
    this.#cipher.destroy();
    this.#out.destroy();
    await rm(this.#file, { force: true });
  }
}

/** A private folder for spools, removed with everything in it by the returned function. */
export async function makeSpoolDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hark-export-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
