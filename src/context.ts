/** What request handlers, jobs and CLI commands share: built once per process by `startHark`. */
import type { Config } from './config.ts';
import type { Db } from './db/connect.ts';
import type { JobQueue } from './jobs/queue.ts';
import type { KeyringCache } from './keys/index.ts';

export interface Services {
  readonly config: Config;
  readonly db: Db;
  readonly keyrings: KeyringCache;
  readonly jobs: JobQueue;
  /** Signs one-time form tokens; derived from the master key so every process agrees. */
  readonly formTokenSecret: Buffer;
}
