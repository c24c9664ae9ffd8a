/**
 * Starting Hark in a process: configuration, database, migrations, keys, queue, workers
 * and the HTTP server, in that order, and stopping them in reverse.
 */
import net from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Services } from './context.ts';
import { openDatabase, type DatabaseHandle } from './db/connect.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createMailer } from './email/index.ts';
import { buildApp } from './http/app.ts';
import { createSmsProvider } from './sms/providers/index.ts';
import { ensurePolicyPublished } from './privacy/policies/index.ts';
import { allQueues, JobQueue, startWorkers, type Workers } from './jobs/index.ts';
import { deriveSecret, DirectoryKeyStore, KeyringCache, loadMasterKey, moveClientKeysToStore } from './keys/index.ts';

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

/** A failure to start that the person starting Hark can fix: its message says how. */
export class StartupError extends Error {}

/** Where a PostgreSQL URL points, without its user name or password. */
function describeUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
    return `${url.host || 'the local socket'}${database ? `, database ${database}` : ''}`;
  } catch {
    return 'an unreadable URL';
  }
}

/**
 * Connects once to the configured PostgreSQL with a deadline, so an unreachable or silent
 * server stops start-up with a message rather than a hang or a stack trace. The pool opened
 * afterwards waits as long as the driver does.
 */
async function checkPostgres(config: Config, databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: Math.ceil(config.dbConnectTimeoutSeconds * 1000) });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    const message = error instanceof Error && error.message ? error.message : String(error);
    const reason = /timeout/i.test(message) ? `no answer within ${config.dbConnectTimeoutSeconds} s (HARK_DB_CONNECT_TIMEOUT_SECONDS)` : message;
    throw new StartupError(
      `Cannot connect to the PostgreSQL named by DATABASE_URL (${describeUrl(databaseUrl)}): ${reason}. ` +
        'Check that it runs and accepts connections from here, or unset DATABASE_URL to use the embedded database.',
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/** Opens the configured database: PostgreSQL after checking it answers, else embedded PGlite. */
export async function openConfiguredDatabase(config: Config, options: { inMemory?: boolean; poolMax?: number } = {}): Promise<DatabaseHandle> {
  if (config.databaseUrl) await checkPostgres(config, config.databaseUrl);
  return openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDir: options.inMemory ? undefined : path.join(config.dataDir, 'pgdata'),
    poolMax: options.poolMax ?? config.dbPoolMax,
  });
}

export async function openServices(config: Config, options: OpenServicesOptions): Promise<{ services: Services; database: DatabaseHandle }> {
  const database = await openConfiguredDatabase(config, { inMemory: options.inMemory ?? false });
  try {
    await migrateToLatest(database.db);
    await ensurePolicyPublished(database.db);
    const masterKey = await loadMasterKey(config.masterKey, config.dataDir);
    const keyStore = new DirectoryKeyStore(config.keyStoreDir);
    await moveClientKeysToStore(database.db, masterKey, keyStore);
    const jobs = new JobQueue(database.pool, { supervise: options.supervise, schedule: options.supervise });
    await jobs.start(allQueues);
    const mailer = await createMailer(config, path.join(config.dataDir, 'mailbox'));
    const services: Services = {
      config,
      db: database.db,
      database,
      keyrings: new KeyringCache(masterKey, keyStore),
      jobs,
      mailer,
      sms: createSmsProvider(config),
      secrets: {
        formToken: deriveSecret(masterKey, 'form-token'),
        links: deriveSecret(masterKey, 'email-links'),
        devices: deriveSecret(masterKey, 'device-cookie'),
        totp: deriveSecret(masterKey, 'totp-secrets'),
        prizeDraws: deriveSecret(masterKey, 'prize-draw-seeds'),
        webhookSecrets: deriveSecret(masterKey, 'webhook-secrets'),
      },
      publicUrl: config.publicUrl,
    };
    return { services, database };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** A failure to listen, in words that say which setting to change. */
function listenError(config: Config, error: NodeJS.ErrnoException): Error {
  if (error.code === 'EADDRINUSE') {
    return new StartupError(`PORT ${config.port} is already in use on ${config.host}: stop what uses it (another Hark?) or set PORT to a free port.`);
  }
  if (error.code === 'EACCES') return new StartupError(`PORT ${config.port} needs privileges this process lacks: set PORT to 1024 or above.`);
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return new StartupError(`HOST ${config.host} is not an address of this machine: set HOST (default 0.0.0.0).`);
  }
  return error;
}

/**
 * Fails fast when the port is taken, before the database opens (a first embedded start
 * takes seconds). The real listen later still reports a port taken in between.
 */
async function checkPortFree(config: Config): Promise<void> {
  if (config.port === 0) return;
  const probe = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ port: config.port, host: config.host, exclusive: true }, resolve);
    });
  } catch (error) {
    throw listenError(config, error as NodeJS.ErrnoException);
  } finally {
    await new Promise<void>((resolve) => (probe.listening ? probe.close(() => resolve()) : resolve()));
  }
}

export async function startHark(config: Config, options: StartOptions): Promise<RunningHark> {
  let ready = false;
  if (options.role !== 'worker') await checkPortFree(config);
  const { services, database } = await openServices(config, { supervise: options.role !== 'web', inMemory: options.inMemory ?? false });
  let app: FastifyInstance | null = null;
  let url: string | null = null;
  let workers: Workers | null = null;
  try {
    if (options.role !== 'worker') {
      app = await buildApp({
        services,
        logger: options.logger,
        isReady: () => ready,
        poolStats: () => ({ total: database.pool.totalCount, idle: database.pool.idleCount, waiting: database.pool.waitingCount }),
      });
      await app.listen({ port: config.port, host: config.host }).catch((error: NodeJS.ErrnoException) => {
        throw listenError(config, error);
      });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      url = `http://localhost:${port}`;
      // Port 0 (tests) binds a free port: links in emails and QR codes must name it.
      if (config.port === 0) services.publicUrl = url;
    }
    if (options.role !== 'web') workers = await startWorkers(services);
    await options.beforeReady?.(services);
    ready = true;
  } catch (error) {
    await app?.close();
    await workers?.stop();
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
      await workers?.stop();
      await services.jobs.stop();
      await services.mailer.close();
      await database.close();
    },
  };
}
