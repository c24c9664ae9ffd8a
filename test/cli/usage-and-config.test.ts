/**
 * The command line's help, and how it refuses a bad configuration: exit code 2 for a bad
 * variable, 1 for a database it cannot reach, a message that names the variable and never
 * a stack trace or a secret.
 *
 * None of this touches a working database, so it runs in the PGlite pass of the suite only
 * (CI runs the suite on PGlite, then on PostgreSQL).
 */
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKind } from '../helpers/database.ts';
import { freePort, killAll, removeTempDirs, runHark, tempDir } from './harness.ts';

const commands = ['serve', 'worker', 'migrate', 'seed'];
const helped = ['serve', 'migrate', 'seed'] as const;
const noStackTrace = /^\s+at .+[:(]\d+/m;

afterAll(async () => {
  await killAll();
  await removeTempDirs();
});

describe.runIf(testDatabaseKind === 'pglite')('hark --help', () => {
  it('hark --help lists every command and exits 0', async () => {
    const help = await runHark(['--help'], {});
    expect(help.code, help.output).toBe(0);
    expect(help.stdout).toMatch(/^Usage: hark /m);
    for (const command of commands) expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it('commands have their own help: serve, migrate, seed', async () => {
    const [serve, migrate, seed] = await Promise.all(helped.map((command) => runHark([command, '--help'], {})));
    for (const [command, help] of [['serve', serve], ['migrate', migrate], ['seed', seed]] as const) {
      expect(help?.code, help?.output).toBe(0);
      expect(help?.stdout).toMatch(new RegExp(`^Usage: hark ${command}\\b`, 'm'));
    }
    expect(serve?.stdout).toMatch(/--demo/);
    expect(serve?.stdout).toMatch(/--role <role>/);
    expect(seed?.stdout).toMatch(/--force/);
    expect(migrate?.stdout).toMatch(/migrations/);
  });

  it('an unknown command exits non-zero and says so', async () => {
    const result = await runHark(['frobnicate'], {});
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it('a bad option value exits non-zero and names it', async () => {
    const result = await runHark(['serve', '--role', 'chef'], {});
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/role must be web, worker or all/);
  });
});

describe.runIf(testDatabaseKind === 'pglite')('a bad configuration stops start-up', () => {
  let dataDir: string;
  const secret = `pw-${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    dataDir = await tempDir();
  });

  const cases: { what: string; env: Record<string, string>; variable: string; says: RegExp; secret?: string }[] = [
    { what: 'PORT=abc', env: { PORT: 'abc' }, variable: 'PORT', says: /PORT: must be a port number from 0 to 65535/ },
    { what: 'PORT=70000', env: { PORT: '70000' }, variable: 'PORT', says: /PORT: must be a port number from 0 to 65535/ },
    { what: 'DATABASE_URL=not-a-url', env: { DATABASE_URL: 'not-a-url' }, variable: 'DATABASE_URL', says: /DATABASE_URL: must be a postgres:\/\/ connection URL/ },
    {
      what: 'a DATABASE_URL that does not parse, with a password in it',
      env: { DATABASE_URL: `postgres://hark:${secret}@db host/hark` },
      variable: 'DATABASE_URL',
      says: /DATABASE_URL: is not a valid URL/,
      secret,
    },
    {
      what: 'HARK_MASTER_KEY of 16 bytes',
      env: { HARK_MASTER_KEY: randomBytes(16).toString('base64') },
      variable: 'HARK_MASTER_KEY',
      says: /HARK_MASTER_KEY: must be 32 bytes in base64/,
    },
  ];

  for (const c of cases) {
    it(`${c.what}: exit 2, names ${c.variable}, no stack trace, no secret, nothing written`, async () => {
      const result = await runHark(['serve', '--demo'], { HARK_DATA_DIR: dataDir, ...c.env }, 30_000);
      expect(result.code, result.output).toBe(2);
      expect(result.stderr).toMatch(/^Invalid configuration:/);
      expect(result.stderr).toMatch(c.says);
      expect(result.output).not.toMatch(noStackTrace);
      for (const value of Object.values(c.env)) {
        if (c.variable === 'HARK_MASTER_KEY' || c.secret) expect(result.output).not.toContain(value);
      }
      if (c.secret) expect(result.output).not.toContain(c.secret);
      expect(await readdir(dataDir)).toEqual([]);
    }, 60_000);
  }

  it('a PostgreSQL that refuses connections: exit 1 within seconds, a clear message, no password', async () => {
    const port = await freePort();
    const result = await runHark(['serve', '--demo'], { HARK_DATA_DIR: dataDir, DATABASE_URL: `postgres://postgres:${secret}@127.0.0.1:${port}/hark` }, 30_000);
    expect(result.code, result.output).toBe(1);
    expect(result.ms).toBeLessThan(15_000);
    expect(result.stderr).toContain(`Cannot connect to the PostgreSQL named by DATABASE_URL (127.0.0.1:${port}, database hark)`);
    expect(result.stderr).toMatch(/ECONNREFUSED/);
    expect(result.output).not.toMatch(noStackTrace);
    expect(result.output).not.toContain(secret);
  }, 60_000);

  it('a PostgreSQL that never answers: exit 1 after HARK_DB_CONNECT_TIMEOUT_SECONDS, not a hang', async () => {
    // Accepts the connection and says nothing, as a wrong port behind a firewall can.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const result = await runHark(
        ['migrate'],
        { HARK_DATA_DIR: dataDir, DATABASE_URL: `postgres://postgres:${secret}@127.0.0.1:${port}/hark`, HARK_DB_CONNECT_TIMEOUT_SECONDS: '2' },
        30_000,
      );
      expect(result.code, result.output).toBe(1);
      expect(result.ms).toBeLessThan(15_000);
      expect(result.stderr).toMatch(/no answer within 2 s \(HARK_DB_CONNECT_TIMEOUT_SECONDS\)/);
      expect(result.output).not.toMatch(noStackTrace);
      expect(result.output).not.toContain(secret);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }, 60_000);

  it('a port already in use: exit 1 naming PORT, before the database is touched', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '0.0.0.0', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const result = await runHark(['serve', '--demo'], { HARK_DATA_DIR: dataDir, PORT: String(port) }, 30_000);
      expect(result.code, result.output).toBe(1);
      expect(result.stderr).toContain(`PORT ${port} is already in use`);
      expect(result.output).not.toMatch(noStackTrace);
      expect(await readdir(dataDir)).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  }, 60_000);
});
