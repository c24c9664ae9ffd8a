/**
 * Starting Hark in a process: configuration, database, migrations, keys, queue, workers
 * and the HTTP server, in that order, and stopping them in reverse.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Services } from './context.ts';
import { openDatabase, type DatabaseHandle } from './db/connect.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createMailer } from './email/index.ts';
import { buildApp } from './http/app.ts';
import { allQueues, JobQueue, startWorkers } from './jobs/index.ts';
import { deriveSecret, KeyringCache, loadMasterKey } from './keys/index.ts';

export type Role = 'web' | 'worker' | 'all';

export interface StartOptions {
  role: Role;
  logger: Logger | false;
  /** Runs after migrations, before /healthz turns ready (e.g. loading demo data). */
  beforeReady?: (services: Services) => Promise<void>;
  /** Keep embedded PGlite in memory instead of the data folder (tests). */
  inMemory?: boolean;
}

export interface RunningHark {
  services: Services;
  database: DatabaseHandle;
  app: FastifyInstance | null;
  /** The base URL the HTTP server listens on, when it serves the web role. */
  url: string | null;
  stop(): Promise<void>;
}

export interface OpenServicesOptions {
  supervise: boolean;
  /** Keep embedded PGlite in memory instead of the data folder (tests). */
  inMemory?: boolean;
}

export async function openServices(config: Config, options: OpenServicesOptions): Promise<{ services: Services; database: DatabaseHandle }> {
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDir: options.inMemory ? undefined : path.join(config.dataDir, 'pgdata'),
    poolMax: config.dbPoolMax,
  });
  try {
    await migrateToLatest(database.db);
    const masterKey = await loadMasterKey(config.masterKey, config.dataDir);
    const jobs = new JobQueue(database.pool, { supervise: options.supervise });
    await jobs.start(allQueues);
    const mailer = await createMailer(config, path.join(config.dataDir, 'mailbox'));
    const services: Services = {
      config,
      db: database.db,
      keyrings: new KeyringCache(masterKey),
      jobs,
      mailer,
      secrets: {
        formToken: deriveSecret(masterKey, 'form-token'),
        links: deriveSecret(masterKey, 'email-links'),
        devices: deriveSecret(masterKey, 'device-cookie'),
        totp: deriveSecret(masterKey, 'totp-secrets'),
      },
      publicUrl: config.publicUrl,
    };
    return { services, database };
  } catch (error) {
    await database.close();
    throw error;
  }
}

export async function startHark(config: Config, options: StartOptions): Promise<RunningHark> {
  let ready = false;
  const { services, database } = await openServices(config, { supervise: options.role !== 'web', inMemory: options.inMemory ?? false });
  let app: FastifyInstance | null = null;
  let url: string | null = null;
  try {
    if (options.role !== 'worker') {
      app = await buildApp({ services, logger: options.logger, isReady: () => ready });
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      url = `http://localhost:${port}`;
      // Port 0 (tests) binds a free port: links in emails and QR codes must name it.
      if (config.port === 0) services.publicUrl = url;
    }
    if (options.role !== 'web') await startWorkers(services);
    await options.beforeReady?.(services);
    ready = true;
  } catch (error) {
    await app?.close();
    await services.jobs.stop().catch(() => {});
    await services.mailer.close();
    await database.close();
    throw error;
  }
  return {
    services,
    database,
    app,
    url,
    async stop() {
      ready = false;
      await app?.close();
      await services.jobs.stop();
      await services.mailer.close();
      await database.close();
    },
  };
}
