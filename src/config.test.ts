/** loadConfig: defaults, every variable parsed, and errors that name the variable. */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig defaults', () => {
  const config = loadConfig({});

  it('embedded PGlite in ./data on port 3000 of every interface', () => {
    expect(config.databaseUrl).toBeUndefined();
    expect(config.port).toBe(3000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.dataDir).toBe(path.resolve('data'));
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.masterKey).toBeUndefined();
  });

  it('pool, logs, rate limits, proxy trust, polling and connect timeout', () => {
    expect(config.dbPoolMax).toBe(10);
    expect(config.logLevel).toBe('info');
    expect(config.rateLimits).toEqual({ submitPerIp: 60, submitPerLocation: 600, pagePerIp: 300, windowSeconds: 600 });
    expect(config.trustProxy).toBe(false);
    expect(config.rollupPollSeconds).toBe(2);
    expect(config.dbConnectTimeoutSeconds).toBe(10);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.rateLimits)).toBe(true);
  });

  it('does not read process.env when given an environment', () => {
    const saved = process.env.PORT;
    process.env.PORT = '4321';
    try {
      expect(loadConfig({}).port).toBe(3000);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });
});

describe('loadConfig parses each variable', () => {
  it('DATABASE_URL: postgres:// and postgresql://', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db.example.com:5432/hark' }).databaseUrl).toBe('postgres://u:p@db.example.com:5432/hark');
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/hark?sslmode=require' }).databaseUrl).toBe('postgresql://db/hark?sslmode=require');
  });

  it('PORT, and the public URL follows it', () => {
    const config = loadConfig({ PORT: '8080' });
    expect(config.port).toBe(8080);
    expect(config.publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
  });

  it('HOST', () => {
    expect(loadConfig({ HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
  });

  it('HARK_DATA_DIR, made absolute', () => {
    expect(loadConfig({ HARK_DATA_DIR: '/var/lib/hark' }).dataDir).toBe('/var/lib/hark');
    expect(loadConfig({ HARK_DATA_DIR: 'some/where' }).dataDir).toBe(path.resolve('some/where'));
  });

  it('HARK_PUBLIC_URL, without a trailing slash', () => {
    expect(loadConfig({ HARK_PUBLIC_URL: 'https://feedback.example.com/', PORT: '8080' }).publicUrl).toBe('https://feedback.example.com');
  });

  it('HARK_MASTER_KEY: 32 bytes of base64', () => {
    const key = randomBytes(32);
    expect(loadConfig({ HARK_MASTER_KEY: key.toString('base64') }).masterKey?.equals(key)).toBe(true);
  });

  it('HARK_DB_POOL_MAX, HARK_LOG_LEVEL, HARK_TRUST_PROXY', () => {
    const config = loadConfig({ HARK_DB_POOL_MAX: '25', HARK_LOG_LEVEL: 'silent', HARK_TRUST_PROXY: 'true' });
    expect(config.dbPoolMax).toBe(25);
    expect(config.logLevel).toBe('silent');
    expect(config.trustProxy).toBe(true);
  });

  it('the rate limits', () => {
    const config = loadConfig({
      HARK_SUBMIT_LIMIT_PER_IP: '5',
      HARK_SUBMIT_LIMIT_PER_LOCATION: '50',
      HARK_PAGE_LIMIT_PER_IP: '500',
      HARK_RATE_LIMIT_WINDOW_SECONDS: '60',
    });
    expect(config.rateLimits).toEqual({ submitPerIp: 5, submitPerLocation: 50, pagePerIp: 500, windowSeconds: 60 });
  });

  it('the privacy limits: requests and complaints per IP (10 each unless set)', () => {
    expect(loadConfig({}).privacy).toMatchObject({ requestLimitPerIp: 10, complaintLimitPerIp: 10 });
    expect(loadConfig({ HARK_PRIVACY_REQUEST_LIMIT_PER_IP: '20', HARK_PRIVACY_COMPLAINT_LIMIT_PER_IP: '3' }).privacy).toMatchObject({ requestLimitPerIp: 20, complaintLimitPerIp: 3 });
    expect(() => loadConfig({ HARK_PRIVACY_COMPLAINT_LIMIT_PER_IP: '0' })).toThrow(/HARK_PRIVACY_COMPLAINT_LIMIT_PER_IP: must be a whole number above 0/);
  });

  it('HARK_ROLLUP_POLL_SECONDS and HARK_DB_CONNECT_TIMEOUT_SECONDS take fractions', () => {
    const config = loadConfig({ HARK_ROLLUP_POLL_SECONDS: '0.5', HARK_DB_CONNECT_TIMEOUT_SECONDS: '2.5' });
    expect(config.rollupPollSeconds).toBe(0.5);
    expect(config.dbConnectTimeoutSeconds).toBe(2.5);
  });

  it('an empty variable counts as unset (PORT= gives 3000, not a random port)', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '', HARK_MASTER_KEY: ' ', HARK_DATA_DIR: '' });
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.masterKey).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve('data'));
  });

  it('ignores variables that are not its own', () => {
    expect(() => loadConfig({ PATH: '/usr/bin', HOME: '/root', NODE_ENV: 'production' })).not.toThrow();
  });
});

describe('loadConfig errors name the variable and the problem', () => {
  for (const [value, problem] of [
    ['abc', /PORT: must be a port number from 0 to 65535/],
    ['70000', /PORT: must be a port number from 0 to 65535/],
    ['-1', /PORT: must be a port number/],
    ['80.5', /PORT: must be a port number/],
  ] as const) {
    it(`PORT=${value}`, () => {
      expect(configError({ PORT: value })).toMatch(problem);
    });
  }

  it('DATABASE_URL that is not a postgres URL', () => {
    expect(configError({ DATABASE_URL: 'not-a-url' })).toBe('Invalid configuration:\n  DATABASE_URL: must be a postgres:// connection URL');
    expect(configError({ DATABASE_URL: 'mysql://u:p@db/hark' })).toMatch(/DATABASE_URL: must be a postgres:\/\//);
  });

  it('DATABASE_URL that does not parse, without echoing its password', () => {
    const message = configError({ DATABASE_URL: 'postgres://hark:s3cret-Pa55@db host/hark' });
    expect(message).toMatch(/DATABASE_URL: is not a valid URL/);
    expect(message).not.toContain('s3cret-Pa55');
  });

  it('HARK_MASTER_KEY of the wrong length, without echoing it', () => {
    for (const bytes of [16, 31, 33, 64]) {
      const value = randomBytes(bytes).toString('base64');
      const message = configError({ HARK_MASTER_KEY: value });
      expect(message).toMatch(/HARK_MASTER_KEY: must be 32 bytes in base64/);
      expect(message).not.toContain(value);
    }
  });

  it('HARK_PUBLIC_URL that is not absolute', () => {
    expect(configError({ HARK_PUBLIC_URL: 'feedback.example.com' })).toMatch(/HARK_PUBLIC_URL: must be an absolute URL/);
  });

  it('HARK_LOG_LEVEL, HARK_TRUST_PROXY', () => {
    expect(configError({ HARK_LOG_LEVEL: 'loud' })).toMatch(/HARK_LOG_LEVEL:/);
    expect(configError({ HARK_TRUST_PROXY: 'yes' })).toMatch(/HARK_TRUST_PROXY:/);
  });

  it('counts and limits that are not whole numbers above 0', () => {
    for (const name of ['HARK_DB_POOL_MAX', 'HARK_SUBMIT_LIMIT_PER_IP', 'HARK_SUBMIT_LIMIT_PER_LOCATION', 'HARK_PAGE_LIMIT_PER_IP', 'HARK_RATE_LIMIT_WINDOW_SECONDS']) {
      for (const value of ['0', '-3', 'many', '2.5']) expect(configError({ [name]: value })).toMatch(new RegExp(`${name}: must be a whole number above 0`));
    }
  });

  it('seconds that are not above 0', () => {
    expect(configError({ HARK_ROLLUP_POLL_SECONDS: '0' })).toMatch(/HARK_ROLLUP_POLL_SECONDS:/);
    expect(configError({ HARK_DB_CONNECT_TIMEOUT_SECONDS: 'soon' })).toMatch(/HARK_DB_CONNECT_TIMEOUT_SECONDS: must be a number of seconds above 0/);
  });

  it('several bad variables: every one is named', () => {
    const message = configError({ PORT: 'abc', HARK_MASTER_KEY: 'short', HARK_LOG_LEVEL: 'loud' });
    expect(message).toMatch(/PORT:/);
    expect(message).toMatch(/HARK_MASTER_KEY:/);
    expect(message).toMatch(/HARK_LOG_LEVEL:/);
  });
});

describe('loadConfig: replica, shutdown and worker metrics', () => {
  it('defaults: no replica (30 s lag limit), a 25 s drain, no worker metrics port', () => {
    const config = loadConfig({});
    expect(config.databaseReplicaUrl).toBeUndefined();
    expect(config.replicaMaxLagSeconds).toBe(30);
    expect(config.shutdownTimeoutSeconds).toBe(25);
    expect(config.metricsPort).toBeUndefined();
  });

  it('DATABASE_REPLICA_URL beside DATABASE_URL, HARK_REPLICA_MAX_LAG_SECONDS, HARK_SHUTDOWN_TIMEOUT_SECONDS, HARK_METRICS_PORT', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://db-primary/hark',
      DATABASE_REPLICA_URL: 'postgresql://db-replica/hark',
      HARK_REPLICA_MAX_LAG_SECONDS: '2.5',
      HARK_SHUTDOWN_TIMEOUT_SECONDS: '10',
      HARK_METRICS_PORT: '9464',
    });
    expect(config).toMatchObject({ databaseReplicaUrl: 'postgresql://db-replica/hark', replicaMaxLagSeconds: 2.5, shutdownTimeoutSeconds: 10, metricsPort: 9464 });
  });

  it('refuses a replica without a primary, a replica URL that is not postgres://, and bad numbers', () => {
    expect(configError({ DATABASE_REPLICA_URL: 'postgres://db-replica/hark' })).toMatch(/DATABASE_REPLICA_URL: needs DATABASE_URL/);
    expect(configError({ DATABASE_URL: 'postgres://db/hark', DATABASE_REPLICA_URL: 'mysql://db/hark' })).toMatch(/DATABASE_REPLICA_URL: must be a postgres:\/\//);
    expect(configError({ HARK_SHUTDOWN_TIMEOUT_SECONDS: '0' })).toMatch(/HARK_SHUTDOWN_TIMEOUT_SECONDS: must be a number of seconds above 0/);
    expect(configError({ HARK_METRICS_PORT: '70000' })).toMatch(/HARK_METRICS_PORT: must be a port number/);
  });
});
