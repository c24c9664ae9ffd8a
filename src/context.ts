/** What request handlers, jobs and CLI commands share: built once per process by `startHark`. */
import type { Config } from './config.ts';
import type { DatabaseHandle, Db } from './db/connect.ts';
import type { Mailer } from './email/index.ts';
import type { JobQueue } from './jobs/queue.ts';
import type { KeyringCache } from './keys/index.ts';
import type { SmsProvider } from './sms/providers/index.ts';

/** Purpose-bound secrets derived from the master key, so every process agrees on them. */
export interface Secrets {
  /** Signs one-time form tokens. */
  readonly formToken: Buffer;
  /** Signs invitation and password-reset links. */
  readonly links: Buffer;
  /** Signs the device cookie of browsers that signed in successfully. */
  readonly devices: Buffer;
  /** Encrypts TOTP secrets at rest. */
  readonly totp: Buffer;
  /** Seals prize-draw seeds until the draw reveals them. */
  readonly prizeDraws: Buffer;
  /** Encrypts webhook endpoints' signing secrets at rest. */
  readonly webhookSecrets: Buffer;
}

export interface Services {
  readonly config: Config;
  readonly db: Db;
  /**
   * Where dashboards, reports and exports read (in `withAccessRead`/`withClientRead`): the
   * read replica while it keeps up, else `db`. It may be a few seconds behind `db`: never
   * write through it, and read through `db` what the caller has just written.
   */
  readonly readDb: Db;
  /** The open database (its kind; the embedded instance, for backups). */
  readonly database: DatabaseHandle;
  readonly keyrings: KeyringCache;
  readonly jobs: JobQueue;
  readonly mailer: Mailer;
  readonly sms: SmsProvider;
  readonly secrets: Secrets;
  /** The base URL for links in emails and QR codes (config's, or the port actually bound). */
  publicUrl: string;
}
