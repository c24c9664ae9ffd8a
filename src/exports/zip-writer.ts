/**
 * A zip written as a stream (yazl): entries one after another, each fed in chunks with
 * backpressure, so memory stays flat however large the export. It hashes every entry's
 * content and the whole archive as they pass.
 */
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

export interface EntryDigest {
  sha256: string;
  bytes: number;
}

/** Writes chunks of one entry; resolves when the zip can take more. */
export type WriteChunk = (chunk: string | Buffer) => Promise<void>;

export class StreamingZip {
  readonly #zip = new yazl.ZipFile();
  readonly #archiveHash = createHash('sha256');
  #archiveBytes = 0;
  readonly #done: Promise<void>;
  /** Aborted when the output fails, so no write waits for a drain that will never come. */
  readonly #failed = new AbortController();
  readonly #mtime = new Date();

  constructor(destination: Writable) {
    const hashing = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        this.#archiveHash.update(chunk);
        this.#archiveBytes += chunk.length;
        callback(null, chunk);
      },
    });
    this.#done = pipeline(this.#zip.outputStream, hashing, destination);
    this.#done.catch((error: unknown) => this.#failed.abort(error));
    this.#zip.on('error', () => {});
  }

  /** Adds an entry whose content `produce` writes; returns its SHA-256 and size. */
  async addEntry(name: string, produce: (write: WriteChunk) => Promise<void>): Promise<EntryDigest> {
    const entry = new PassThrough({ highWaterMark: 256 * 1024 });
    const hash: Hash = createHash('sha256');
    let bytes = 0;
    this.#zip.addReadStream(entry, name, { mtime: this.#mtime, compressionLevel: 6 });
    const consumed = once(entry, 'end', { signal: this.#failed.signal });
    consumed.catch(() => {});
    const write: WriteChunk = async (chunk) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      hash.update(buffer);
      bytes += buffer.length;
      // Waits without racing a long-lived promise: each race would leave a reaction on it.
      if (!entry.write(buffer)) await once(entry, 'drain', { signal: this.#failed.signal });
    };
    try {
      await produce(write);
    } catch (error) {
      entry.destroy();
      throw error;
    }
    entry.end();
    await consumed;
    return { sha256: hash.digest('hex'), bytes };
  }

  /** Ends the archive; resolves with its SHA-256 and size once the destination has it all. */
  async finish(): Promise<EntryDigest> {
    this.#zip.end();
    await this.#done;
    return { sha256: this.#archiveHash.digest('hex'), bytes: this.#archiveBytes };
  }

  /** Stops writing after a failure: the destination is left incomplete. */
  abort(error: Error): void {
    const output = this.#zip.outputStream as unknown as { destroy?: (e: Error) => void };
    output.destroy?.(error);
  }
}
