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
import { buildMetricsApp } from './http/metrics-server.ts';
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
  /** The base URL of a worker-only process's /metrics server (HARK_METRICS_PORT), if any. */
  metricsUrl: string | null;
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

/**
 * Opens the configured database: PostgreSQL after checking it answers, else embedded PGlite.
 * With `withReplica`, also the read replica (DATABASE_REPLICA_URL); one that does not answer
 * yet is no reason not to start: reads use the primary until it does.
 */
export async function openConfiguredDatabase(
  config: Config,
  options: { inMemory?: boolean; poolMax?: number; withReplica?: boolean } = {},
): Promise<DatabaseHandle> {
  if (config.databaseUrl) await checkPostgres(config, config.databaseUrl);
  const replicaUrl = options.withReplica ? config.databaseReplicaUrl : undefined;
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDir: options.inMemory ? undefined : path.join(config.dataDir, 'pgdata'),
    poolMax: options.poolMax ?? config.dbPoolMax,
    replicaUrl,
    replicaMaxLagSeconds: config.replicaMaxLagSeconds,
  });
  const status = database.replica?.status;
  if (replicaUrl && status && status.state !== 'ok') {
    const why = status.state === 'lagging' ? `it is ${status.lagSeconds ?? '?'} s behind (HARK_REPLICA_MAX_LAG_SECONDS ${config.replicaMaxLagSeconds})` : `it does not answer (${status.error ?? 'unknown'})`;
    process.emitWarning(`The read replica named by DATABASE_REPLICA_URL (${describeUrl(replicaUrl)}) is not used for now: ${why}. Reports read from the primary until it keeps up; /readyz shows its state.`);
  }
  return database;
}

export async function openServices(config: Config, options: OpenServicesOptions): Promise<{ services: Services; database: DatabaseHandle }> {
  const database = await openConfiguredDatabase(config, { inMemory: options.inMemory ?? false, withReplica: true });
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
      get readDb() {
        return database.readDb;
      },
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

/** A port Hark listens on, and the variable that sets it (for messages). */
interface Listening {
  port: number;
  variable: 'PORT' | 'HARK_METRICS_PORT';
}

/** A failure to listen, in words that say which setting to change. */
function listenError(config: Config, error: NodeJS.ErrnoException, { port, variable }: Listening): Error {
  if (error.code === 'EADDRINUSE') {
    return new StartupError(`${variable} ${port} is already in use on ${config.host}: stop what uses it (another Hark?) or set ${variable} to a free port.`);
  }
  if (error.code === 'EACCES') return new StartupError(`${variable} ${port} needs privileges this process lacks: set ${variable} to 1024 or above.`);
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return new StartupError(`HOST ${config.host} is not an address of this machine: set HOST (default 0.0.0.0).`);
  }
  return error;
}

/**
 * Fails fast when the port is taken, before the database opens (a first embedded start
 * takes seconds). The real listen later still reports a port taken in between.
 */
async function checkPortFree(config: Config, listening: Listening): Promise<void> {
  if (listening.port === 0) return;
  const probe = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ port: listening.port, host: config.host, exclusive: true }, resolve);
    });
  } catch (error) {
    throw listenError(config, error as NodeJS.ErrnoException, listening);
  } finally {
    await new Promise<void>((resolve) => (probe.listening ? probe.close(() => resolve()) : resolve()));
  }
}

async function listen(app: FastifyInstance, config: Config, listening: Listening): Promise<number> {
  await app.listen({ port: listening.port, host: config.host }).catch((error: NodeJS.ErrnoException) => {
    throw listenError(config, error, listening);
  });
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : listening.port;
}

/**
 * Closes an HTTP server gracefully: it stops accepting connections at once and lets the
 * requests in flight finish; at the deadline it cuts the connections still open.
 */
async function closeHttp(app: FastifyInstance, timeoutMs: number): Promise<void> {
  // A keep-alive connection whose request finishes after the close began would otherwise stay
  // open, idle, until its keep-alive timeout (72 s): close connections as they fall idle.
  const idle = setInterval(() => app.server.closeIdleConnections(), 100);
  const deadline = setTimeout(() => app.server.closeAllConnections(), timeoutMs);
  try {
    await app.close();
  } finally {
    clearInterval(idle);
    clearTimeout(deadline);
  }
}

export async function startHark(config: Config, options: StartOptions): Promise<RunningHark> {
  let ready = false;
  const web: Listening | null = options.role !== 'worker' ? { port: config.port, variable: 'PORT' } : null;
  // A web process serves /metrics on PORT; a worker-only one has no server but this.
  const metricsOnly: Listening | null = options.role === 'worker' && config.metricsPort !== undefined ? { port: config.metricsPort, variable: 'HARK_METRICS_PORT' } : null;
  if (web) await checkPortFree(config, web);
  if (metricsOnly) await checkPortFree(config, metricsOnly);
  const { services, database } = await openServices(config, { supervise: options.role !== 'web', inMemory: options.inMemory ?? false });
  const poolStats = () => ({ total: database.pool.totalCount, idle: database.pool.idleCount, waiting: database.pool.waitingCount });
  let app: FastifyInstance | null = null;
  let metricsApp: FastifyInstance | null = null;
  let url: string | null = null;
  let metricsUrl: string | null = null;
  let workers: Workers | null = null;
  try {
    if (web) {
      app = await buildApp({ services, logger: options.logger, isReady: () => ready, poolStats });
      const port = await listen(app, config, web);
      url = `http://localhost:${port}`;
      // Port 0 (tests) binds a free port: links in emails and QR codes must name it.
      if (config.port === 0) services.publicUrl = url;
    }
    if (metricsOnly) {
      metricsApp = await buildMetricsApp({ services, logger: options.logger, isReady: () => ready, poolStats });
      metricsUrl = `http://localhost:${await listen(metricsApp, config, metricsOnly)}`;
    }
    if (options.role !== 'web') workers = await startWorkers(services);
    await options.beforeReady?.(services);
    ready = true;
  } catch (error) {
    await app?.close();
    await metricsApp?.close();
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
    metricsUrl,
    /**
     * Drains, then closes. At once: /readyz turns 503, the web stops accepting connections and
     * the workers stop taking jobs. Then, side by side and for at most
     * HARK_SHUTDOWN_TIMEOUT_SECONDS, requests in flight finish (they may still enqueue jobs,
     * which wait in the database for the next worker) and jobs in hand run to their end; at
     * the deadline open connections are cut and unfinished jobs are handed back to the queue
     * for another worker to retry. Only then do the mailer and the database close.
     */
    async stop() {
      ready = false;
      const timeoutMs = config.shutdownTimeoutSeconds * 1000;
      await Promise.all([app ? closeHttp(app, timeoutMs) : null, workers?.stop(), services.jobs.stop(timeoutMs)]);
      // A worker's /metrics stays up while its jobs finish: the drain itself can be watched.
      if (metricsApp) await closeHttp(metricsApp, 1000);
      await services.mailer.close();
      await database.close();
    },
  };
}
