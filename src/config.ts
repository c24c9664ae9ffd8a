/**
 * The one typed configuration object. The environment is parsed here, once; nothing else
 * reads `process.env`. A bad value stops start-up with a message naming the variable.
 */
import path from 'node:path';
import { z } from 'zod';

const positiveInt = z.coerce.number({ error: 'must be a whole number above 0' }).int('must be a whole number above 0').positive('must be a whole number above 0');

/** A postgres:// URL that parses. The value is never echoed: it may hold a password. */
const databaseUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// connection URL', abort: true })
  .refine((value) => URL.canParse(value), 'is not a valid URL (check the host name, and percent-encode special characters in the password)');

const port = z.coerce
  .number({ error: 'must be a port number from 0 to 65535' })
  .int('must be a port number from 0 to 65535')
  .min(0, 'must be a port number from 0 to 65535')
  .max(65535, 'must be a port number from 0 to 65535');

const envSchema = z.object({
  DATABASE_URL: databaseUrl
    .optional()
    .describe('PostgreSQL connection URL; without it Hark runs on embedded PGlite'),
  DATABASE_REPLICA_URL: databaseUrl
    .optional()
    .describe('A streaming replica of DATABASE_URL: dashboards, reports and exports read from it (needs DATABASE_URL)'),
  HARK_REPLICA_MAX_LAG_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds above 0' })
    .positive('must be a number of seconds above 0')
    .default(30)
    .describe('reads go back to the primary while the replica is further behind than this, or does not answer'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  HARK_DATA_DIR: z.string().min(1).default('./data'),
  HARK_PUBLIC_URL: z
    .string()
    .url('must be an absolute URL such as https://feedback.example.com')
    .optional()
    .describe('Public base URL used in QR codes and printed links'),
  HARK_MASTER_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be 32 bytes in base64 (openssl rand -base64 32)')
    .optional()
    .describe('Master key wrapping the per-client data keys; generated into the data folder in embedded mode'),
  HARK_DB_POOL_MAX: positiveInt.default(10),
  HARK_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HARK_SUBMIT_LIMIT_PER_IP: positiveInt.default(60).describe('feedback submissions per IP per window'),
  HARK_SUBMIT_LIMIT_PER_LOCATION: positiveInt.default(600).describe('feedback submissions per location per window'),
  HARK_PAGE_LIMIT_PER_IP: positiveInt.default(300).describe('public page views per IP per window'),
  HARK_RATE_LIMIT_WINDOW_SECONDS: positiveInt.default(600),
  HARK_TRUST_PROXY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('Trust X-Forwarded-For from a reverse proxy when rate limiting by IP'),
  HARK_ROLLUP_POLL_SECONDS: z.coerce.number().min(0.5, 'must be at least 0.5 (seconds)').default(2),
  HARK_DB_CONNECT_TIMEOUT_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds above 0' })
    .positive('must be a number of seconds above 0')
    .default(10)
    .describe('how long start-up waits for PostgreSQL to answer before giving up'),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL such as smtp://user:pass@mail.example.com:587')
    .optional()
    .describe('Outgoing mail server; without it mail is kept in a local mailbox in the data folder'),
  HARK_MAIL_FROM: z.string().min(3).default('Hark <hark@localhost>').describe('From address of every email Hark sends'),
  HARK_SESSION_IDLE_MINUTES: positiveInt.default(120).describe('a portal session ends after this long without use'),
  HARK_SESSION_MAX_HOURS: positiveInt.default(12).describe('a portal session ends this long after login, in use or not'),
  HARK_LOGIN_LIMIT_PER_IP: positiveInt.default(30).describe('login, reset and invitation attempts per IP per window'),
  HARK_JOB_POLL_SECONDS: z.coerce.number().min(0.5, 'must be at least 0.5 (seconds)').default(2).describe('how often workers look for mail and other jobs'),
  HARK_SMS_PROVIDER: z
    .enum(['dev', 'twilio'], { error: "must be 'dev' or 'twilio'" })
    .default('dev')
    .describe("'dev' keeps texts inside Hark (for `hark sms`); 'twilio' sends through a Twilio-compatible API"),
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio account SID (AC followed by 32 hex digits)').optional(),
  TWILIO_AUTH_TOKEN: z.string().min(16, 'must be the account auth token (at least 16 characters)').optional(),
  TWILIO_API_BASE_URL: z.string().url('must be an absolute URL such as https://api.twilio.com').default('https://api.twilio.com'),
  HARK_SMS_LIMIT_PER_NUMBER: positiveInt.default(30).describe('inbound texts taken from one phone number per window'),
  HARK_SMS_LIMIT_PER_IP: positiveInt.default(3000).describe('SMS webhook calls per IP per window (the provider calls from few addresses)'),
  HARK_ALERT_POLL_SECONDS: z.coerce.number().min(0.1, 'must be at least 0.1 (seconds)').default(5).describe('how often workers look for alerts to send and cases to escalate'),
  HARK_ALERT_LEASE_SECONDS: positiveInt.default(120).describe('how long a worker holds an alert it is sending before another may take it over'),
  HARK_METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters (openssl rand -hex 32)')
    .optional()
    .describe('Bearer token that GET /metrics requires; without it /metrics answers only to this machine (no proxy in between)'),
  HARK_METRICS_PORT: port
    .optional()
    .describe('A port on which a worker-only process (serve --role worker) serves /metrics, /healthz and /readyz; web processes serve them on PORT'),
  HARK_SHUTDOWN_TIMEOUT_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds above 0' })
    .positive('must be a number of seconds above 0')
    .default(25)
    .describe('on SIGTERM, how long requests in flight and jobs in hand may take to finish; then connections are cut and unfinished jobs go back to the queue'),
  HARK_KEY_STORE_DIR: z
    .string()
    .min(1)
    .optional()
    .describe('Folder of the client key store, shared by every Hark process (default: keys in the data folder); never in database backups'),
  HARK_ANALYTICS_IP_DAYS: positiveInt.default(3).describe('website analytics: days a visitor’s full IP is kept (abuse control) before it is truncated to /24 or /48'),
  HARK_ANALYTICS_LIMIT_PER_IP: positiveInt.default(120).describe('website analytics beacons taken from one IP per window; more answer 429 and are counted as dropped'),
  HARK_ANALYTICS_FLUSH_MS: positiveInt.default(250).describe('website analytics: how long beacons wait in memory before being written together'),
  HARK_CONTACT_EMAIL: z.string().email('must be an email address').optional().describe('the address the public site’s contact page gives (default: the address of HARK_MAIL_FROM)'),
  HARK_BACKUP_DIR: z.string().min(1).optional().describe('Folder that scheduled and console backups are written to (default: backups in the data folder)'),
  HARK_BACKUP_INTERVAL_HOURS: z.coerce
    .number({ error: 'must be a number of hours (0 turns scheduled backups off)' })
    .min(0, 'must be a number of hours (0 turns scheduled backups off)')
    .default(24)
    .describe('hours between scheduled backups; 0 turns them off'),
  HARK_PG_BIN_DIR: z.string().min(1).optional().describe('Folder holding pg_dump and pg_restore (default: the ones matching the server version)'),
  HARK_PRIVACY_SMS_FROM: z
    .string()
    .regex(/^\+[1-9][0-9]{6,14}$/, 'must be an E.164 number such as +6421555010')
    .optional()
    .describe("The installation's own number that texts privacy-request codes; without it codes go by email only"),
  HARK_PRIVACY_REQUEST_LIMIT_PER_IP: positiveInt.default(10).describe('privacy requests and code checks per IP per window'),
  HARK_PRIVACY_COMPLAINT_LIMIT_PER_IP: positiveInt.default(10).describe('privacy complaints per IP per window (a person needs one or two)'),
  HARK_PRIVACY_REMINDER_POLL_SECONDS: positiveInt.default(3600).describe('how often workers look for privacy requests due a reminder'),
  HARK_STATS_EPSILON_BUDGET: z.coerce
    .number({ error: 'must be a number above 0, such as 3' })
    .positive('must be a number above 0, such as 3')
    .max(1000, 'must be at most 1000')
    .default(3)
    .describe('anonymised statistics: the total epsilon (privacy budget) all releases together may spend'),
  HARK_API_KEY_LIMIT_PER_MINUTE: positiveInt.default(600).describe('API requests one API key may make per minute'),
  HARK_IDEMPOTENCY_HOURS: positiveInt.default(24).describe('how long an Idempotency-Key of an API submit is remembered'),
  HARK_EMAIL_INVITATION_DAYS: positiveInt.default(14).describe('days the score links of an email invitation work'),
  HARK_WEBHOOK_POLL_SECONDS: z.coerce.number().min(0.1, 'must be at least 0.1 (seconds)').default(2).describe('how often workers look for webhook deliveries to send'),
  HARK_WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().min(0.1, 'must be at least 0.1 (seconds)').default(30).describe('delay before the first retry of a failed webhook delivery; each further retry waits twice as long'),
  HARK_WEBHOOK_RETRY_HOURS: positiveInt.default(24).describe('hours a webhook delivery is retried before it is given up'),
  HARK_WEBHOOK_DISABLE_AFTER_FAILURES: positiveInt.default(20).describe('failed webhook attempts in a row that disable an endpoint (with HARK_WEBHOOK_DISABLE_AFTER_MINUTES)'),
  HARK_WEBHOOK_DISABLE_AFTER_MINUTES: z.coerce.number({ error: 'must be a number of minutes (0 or more)' }).min(0, 'must be a number of minutes (0 or more)').default(1440).describe('an endpoint is disabled only once it has been failing this long'),
  HARK_WEBHOOK_TIMEOUT_SECONDS: positiveInt.default(10).describe('how long a webhook receiver has to answer'),
  HARK_WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('allow webhook endpoints on loopback and private addresses (tests, closed networks); off by default against SSRF'),
});

/** Every environment variable Hark reads (for checks of deployment files). */
export function knownVariables(): string[] {
  return Object.keys(envSchema.shape);
}

export type Config = Readonly<{
  databaseUrl: string | undefined;
  /** A read replica of the primary (DATABASE_REPLICA_URL); only with `databaseUrl`. */
  databaseReplicaUrl: string | undefined;
  /** Past this lag (or when it does not answer) reads use the primary instead of the replica. */
  replicaMaxLagSeconds: number;
  port: number;
  host: string;
  dataDir: string;
  publicUrl: string;
  masterKey: Buffer | undefined;
  dbPoolMax: number;
  logLevel: z.infer<typeof envSchema>['HARK_LOG_LEVEL'];
  rateLimits: Readonly<{
    submitPerIp: number;
    submitPerLocation: number;
    pagePerIp: number;
    windowSeconds: number;
  }>;
  trustProxy: boolean;
  rollupPollSeconds: number;
  dbConnectTimeoutSeconds: number;
  jobPollSeconds: number;
  mail: Readonly<{ smtpUrl: string | undefined; from: string }>;
  sessions: Readonly<{ idleMinutes: number; maxHours: number }>;
  loginLimitPerIp: number;
  sms: Readonly<{
    provider: 'dev' | 'twilio';
    twilio: Readonly<{ accountSid: string; authToken: string; apiBaseUrl: string }> | undefined;
    limitPerNumber: number;
    limitPerIp: number;
  }>;
  alerts: Readonly<{ pollSeconds: number; leaseSeconds: number }>;
  /** Bearer token for /metrics; undefined: /metrics answers only to loopback clients. */
  metricsToken: string | undefined;
  /** Where a worker-only process serves /metrics and /healthz (HARK_METRICS_PORT); undefined: it serves none. */
  metricsPort: number | undefined;
  /** How long a stop (SIGTERM) waits for requests in flight and jobs in hand. */
  shutdownTimeoutSeconds: number;
  /** Folder of the client key store (HARK_KEY_STORE_DIR, or keys in the data folder). */
  keyStoreDir: string;
  analytics: Readonly<{ ipDays: number; limitPerIp: number; flushMs: number }>;
  /** The public site's contact address. */
  contactEmail: string;
  backups: Readonly<{ dir: string; intervalHours: number; pgBinDir: string | undefined }>;
  privacy: Readonly<{ smsFrom: string | undefined; requestLimitPerIp: number; complaintLimitPerIp: number; reminderPollSeconds: number }>;
  /** Anonymised statistics releases: the total privacy budget (epsilon) of all releases. */
  statistics: Readonly<{ epsilonBudget: number }>;
  integrations: Readonly<{
    apiKeyLimitPerMinute: number;
    idempotencyHours: number;
    emailInvitationDays: number;
    webhooks: Readonly<{
      pollSeconds: number;
      retryBaseSeconds: number;
      retryHours: number;
      disableAfterFailures: number;
      disableAfterMinutes: number;
      timeoutSeconds: number;
      allowPrivate: boolean;
    }>;
  }>;
}>;

export class ConfigError extends Error {}

/**
 * Parses an environment (default: the process's) into the frozen config object. A variable
 * set to the empty string counts as unset (as `PORT=` or compose's `${PORT}` leave it), so
 * it takes its default instead of, say, PORT 0.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = envSchema.safeParse(set);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const missing = [...twilioSettingsMissing(e), ...replicaSettingsMissing(e)];
  if (missing.length > 0) throw new ConfigError(`Invalid configuration:\n${missing.map((line) => `  ${line}`).join('\n')}`);
  const publicUrl = (e.HARK_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    databaseReplicaUrl: e.DATABASE_REPLICA_URL,
    replicaMaxLagSeconds: e.HARK_REPLICA_MAX_LAG_SECONDS,
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.HARK_DATA_DIR),
    publicUrl,
    masterKey: e.HARK_MASTER_KEY ? Buffer.from(e.HARK_MASTER_KEY, 'base64') : undefined,
    dbPoolMax: e.HARK_DB_POOL_MAX,
    logLevel: e.HARK_LOG_LEVEL,
    rateLimits: Object.freeze({
      submitPerIp: e.HARK_SUBMIT_LIMIT_PER_IP,
      submitPerLocation: e.HARK_SUBMIT_LIMIT_PER_LOCATION,
      pagePerIp: e.HARK_PAGE_LIMIT_PER_IP,
      windowSeconds: e.HARK_RATE_LIMIT_WINDOW_SECONDS,
    }),
    trustProxy: e.HARK_TRUST_PROXY,
    rollupPollSeconds: e.HARK_ROLLUP_POLL_SECONDS,
    dbConnectTimeoutSeconds: e.HARK_DB_CONNECT_TIMEOUT_SECONDS,
    jobPollSeconds: e.HARK_JOB_POLL_SECONDS,
    mail: Object.freeze({ smtpUrl: e.SMTP_URL, from: e.HARK_MAIL_FROM }),
    sessions: Object.freeze({ idleMinutes: e.HARK_SESSION_IDLE_MINUTES, maxHours: e.HARK_SESSION_MAX_HOURS }),
    loginLimitPerIp: e.HARK_LOGIN_LIMIT_PER_IP,
    sms: Object.freeze({
      provider: e.HARK_SMS_PROVIDER,
      twilio:
        e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN
          ? Object.freeze({ accountSid: e.TWILIO_ACCOUNT_SID, authToken: e.TWILIO_AUTH_TOKEN, apiBaseUrl: e.TWILIO_API_BASE_URL.replace(/\/+$/, '') })
          : undefined,
      limitPerNumber: e.HARK_SMS_LIMIT_PER_NUMBER,
      limitPerIp: e.HARK_SMS_LIMIT_PER_IP,
    }),
    alerts: Object.freeze({ pollSeconds: e.HARK_ALERT_POLL_SECONDS, leaseSeconds: e.HARK_ALERT_LEASE_SECONDS }),
    metricsToken: e.HARK_METRICS_TOKEN,
    metricsPort: e.HARK_METRICS_PORT,
    shutdownTimeoutSeconds: e.HARK_SHUTDOWN_TIMEOUT_SECONDS,
    keyStoreDir: path.resolve(e.HARK_KEY_STORE_DIR ?? path.join(e.HARK_DATA_DIR, 'keys')),
    analytics: Object.freeze({ ipDays: e.HARK_ANALYTICS_IP_DAYS, limitPerIp: e.HARK_ANALYTICS_LIMIT_PER_IP, flushMs: e.HARK_ANALYTICS_FLUSH_MS }),
    contactEmail: e.HARK_CONTACT_EMAIL ?? (/<([^>]+)>/.exec(e.HARK_MAIL_FROM)?.[1] ?? e.HARK_MAIL_FROM).trim(),
    backups: Object.freeze({
      dir: path.resolve(e.HARK_BACKUP_DIR ?? path.join(e.HARK_DATA_DIR, 'backups')),
      intervalHours: e.HARK_BACKUP_INTERVAL_HOURS,
      pgBinDir: e.HARK_PG_BIN_DIR,
    }),
    privacy: Object.freeze({
      smsFrom: e.HARK_PRIVACY_SMS_FROM,
      requestLimitPerIp: e.HARK_PRIVACY_REQUEST_LIMIT_PER_IP,
      complaintLimitPerIp: e.HARK_PRIVACY_COMPLAINT_LIMIT_PER_IP,
      reminderPollSeconds: e.HARK_PRIVACY_REMINDER_POLL_SECONDS,
    }),
    statistics: Object.freeze({ epsilonBudget: e.HARK_STATS_EPSILON_BUDGET }),
    integrations: Object.freeze({
      apiKeyLimitPerMinute: e.HARK_API_KEY_LIMIT_PER_MINUTE,
      idempotencyHours: e.HARK_IDEMPOTENCY_HOURS,
      emailInvitationDays: e.HARK_EMAIL_INVITATION_DAYS,
      webhooks: Object.freeze({
        pollSeconds: e.HARK_WEBHOOK_POLL_SECONDS,
        retryBaseSeconds: e.HARK_WEBHOOK_RETRY_BASE_SECONDS,
        retryHours: e.HARK_WEBHOOK_RETRY_HOURS,
        disableAfterFailures: e.HARK_WEBHOOK_DISABLE_AFTER_FAILURES,
        disableAfterMinutes: e.HARK_WEBHOOK_DISABLE_AFTER_MINUTES,
        timeoutSeconds: e.HARK_WEBHOOK_TIMEOUT_SECONDS,
        allowPrivate: e.HARK_WEBHOOK_ALLOW_PRIVATE,
      }),
    }),
  });
}

/**
 * The Twilio provider needs its account and token. (It also needs HARK_PUBLIC_URL to be the
 * URL the provider calls, as webhooks are signed for it; that is not checked here, since a
 * test server binding port 0 learns its URL only once listening.)
 */
function twilioSettingsMissing(e: z.infer<typeof envSchema>): string[] {
  if (e.HARK_SMS_PROVIDER !== 'twilio') return [];
  const needs = 'must be set when HARK_SMS_PROVIDER=twilio';
  return [
    ...(e.TWILIO_ACCOUNT_SID ? [] : [`TWILIO_ACCOUNT_SID: ${needs}`]),
    ...(e.TWILIO_AUTH_TOKEN ? [] : [`TWILIO_AUTH_TOKEN: ${needs}`]),
  ];
}

/** A read replica copies a PostgreSQL primary: the embedded database has none to copy. */
function replicaSettingsMissing(e: z.infer<typeof envSchema>): string[] {
  if (!e.DATABASE_REPLICA_URL || e.DATABASE_URL) return [];
  return [
    'DATABASE_REPLICA_URL: needs DATABASE_URL: a read replica is a copy of a PostgreSQL primary, and the embedded database has none. ' +
      'Set DATABASE_URL to the primary, or unset DATABASE_REPLICA_URL.',
  ];
}
