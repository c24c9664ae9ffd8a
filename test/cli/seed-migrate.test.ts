/**
 * `hark migrate`, `hark worker` and `hark seed` through the real CLI, on embedded PGlite or
 * (with HARK_TEST_DB=postgres) on PostgreSQL. The tests run in order on one database, as an
 * operator would: migrate, run a worker, then load the demo.
 *
 * What `seed` promises: on an empty database it loads the demo; when the demo is there it
 * says so and exits 0 (running it twice is harmless); when the database holds other
 * clients it refuses with exit 1 and says how to insist (`--force`), because a production
 * database should not get a coffee chain by accident.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/clients/index.ts';
import { DEMO_CLIENT_NAME } from '../../src/demo/index.ts';
import { DirectoryKeyStore, KeyringCache } from '../../src/keys/index.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import {
  cliDatabase,
  demoFacts,
  freePort,
  isListening,
  killAll,
  removeTempDirs,
  runHark,
  startHarkProcess,
  withDatabase,
  type CliDatabase,
  type Env,
} from './harness.ts';

const masterKey = randomBytes(32);
const databases: CliDatabase[] = [];
let database: CliDatabase;
/** With the key set, no key file may be written. */
let env: Env;

async function freshDatabase(): Promise<CliDatabase> {
  const fresh = await cliDatabase();
  databases.push(fresh);
  return fresh;
}

beforeAll(async () => {
  database = await freshDatabase();
  env = { ...database.env, HARK_MASTER_KEY: masterKey.toString('base64') };
});

afterEach(killAll);

afterAll(async () => {
  await killAll();
  await Promise.all(databases.map((d) => d.drop()));
  await removeTempDirs();
});

describe('hark migrate', () => {
  it('migrates an empty database and exits 0; a second run is a no-op', async () => {
    const first = await runHark(['migrate'], env);
    expect(first.code, first.output).toBe(0);
    expect(first.stdout).toMatch(/^applied: 0001_foundation\b/m);
    const second = await runHark(['migrate'], env);
    expect(second.code, second.output).toBe(0);
    expect(second.stdout).toMatch(/the database is up to date/);
    expect(second.stdout).not.toMatch(/applied:/);
    expect(existsSync(path.join(database.dataDir, 'pgdata'))).toBe(database.kind === 'pglite');
  }, 90_000);
});

describe('hark worker', () => {
  it('runs the workers without listening for HTTP, and stops on SIGTERM', async () => {
    const port = await freePort();
    const worker = startHarkProcess(['worker'], { ...env, PORT: String(port) });
    await worker.waitForOutput(/^Hark worker is running\.$/m, 60_000);
    expect(await isListening(port)).toBe(false);
    expect(worker.stdout).not.toMatch(/http:\/\//);
    const exit = await worker.stop('SIGTERM');
    expect(exit, worker.describe()).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(10_000);
  }, 60_000);
});

describe('hark seed', () => {
  it('refuses, exit 1, when the database holds other clients, and says how to insist', async () => {
    // Its key goes where the CLI's processes look for it: the key store in the data folder.
    const keyrings = new KeyringCache(masterKey, new DirectoryKeyStore(path.join(database.dataDir, 'keys')));
    await withDatabase(database, (db) => createClient(db, keyrings, { name: 'Real Customer Ltd' }));
    const seed = await runHark(['seed'], env);
    expect(seed.code, seed.output).toBe(1);
    expect(seed.stderr).toMatch(/holds other clients/);
    expect(seed.stderr).toMatch(/--force/);
    expect(seed.stderr).not.toMatch(/^\s+at /m);
    const facts = await withDatabase(database, demoFacts);
    expect(facts.clients).toBe(1);
    expect(facts.feedback).toBe(0);
  }, 60_000);

  it('with --force loads the demo beside them; again, it is loaded already and nothing changes', async () => {
    const force = await runHark(['seed', '--force'], env);
    expect(force.code, force.output).toBe(0);
    expect(force.stdout).toMatch(new RegExp(`Loaded the demo client "${DEMO_CLIENT_NAME}": 4 locations, \\d+ feedback`));
    const before = await withDatabase(database, demoFacts);
    expect(before.clients).toBe(2);
    expect(before.feedback).toBeGreaterThanOrEqual(2000);

    const again = await runHark(['seed', '--force'], env);
    expect(again.code, again.output).toBe(0);
    expect(again.stdout).toMatch(/is loaded already \(\d+ feedback\); nothing was added/);
    expect(await withDatabase(database, demoFacts)).toEqual(before);
    expect(existsSync(path.join(database.dataDir, 'master.key'))).toBe(false);
  }, 90_000);
});

describe.runIf(testDatabaseKind === 'postgres')('hark seed on PostgreSQL, two processes at once', () => {
  it('loads one demo client: one process loads it, the other finds it loaded', async () => {
    const fresh = await freshDatabase();
    const freshEnv = { ...fresh.env, HARK_MASTER_KEY: masterKey.toString('base64') };
    const migrated = await runHark(['migrate'], freshEnv);
    expect(migrated.code, migrated.output).toBe(0);
    const [a, b] = [startHarkProcess(['seed'], freshEnv), startHarkProcess(['seed'], freshEnv)];
    const exits = await Promise.all([a.exited, b.exited]);
    expect(exits, `${a.describe()}\n${b.describe()}`).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    const said = [a.stdout, b.stdout].map((out) => (/Loaded the demo client/.test(out) ? 'loaded' : /loaded already/.test(out) ? 'already' : out));
    expect(said.sort()).toEqual(['already', 'loaded']);
    const facts = await withDatabase(fresh, demoFacts);
    expect(facts.clients).toBe(1);
  }, 90_000);
});
