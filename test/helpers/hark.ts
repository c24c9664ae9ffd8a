/**
 * Starts a real Hark for a test file: real HTTP on a free port, a real database of its own
 * (PGlite in memory or a fresh PostgreSQL database), the real job queue and workers.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { loadConfig } from '../../src/config.ts';
import type { Services } from '../../src/context.ts';
import { startHark, type Role, type RunningHark } from '../../src/start.ts';
import { createTestDatabase } from './database.ts';

export interface TestHark extends RunningHark {
  url: string;
  services: Services;
  /** Fetches a path of this Hark. */
  fetch(pathname: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export interface TestHarkOptions {
  env?: Record<string, string>;
  role?: Role;
  /** Where logs go (default: nowhere). */
  logger?: Logger;
  /**
   * Run on this PostgreSQL (DATABASE_URL) instead of a fresh test database; the caller owns
   * it, and `close` leaves it alone.
   */
  databaseUrl?: string;
}

export async function startTestHark(options: TestHarkOptions = {}): Promise<TestHark> {
  const database = options.databaseUrl ? { url: options.databaseUrl, drop: async () => {} } : await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hark-test-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    HARK_DATA_DIR: dataDir,
    HARK_MASTER_KEY: randomBytes(32).toString('base64'),
    HARK_LOG_LEVEL: 'silent',
    HARK_ROLLUP_POLL_SECONDS: '0.5',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...options.env,
  });
  const running = await startHark(config, { role: options.role ?? 'all', logger: options.logger ?? false, inMemory: true });
  const url = running.url ?? '';
  return {
    ...running,
    url,
    fetch: (pathname, init) => fetch(`${url}${pathname}`, { redirect: 'manual', ...init }),
    async close() {
      await running.stop();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
