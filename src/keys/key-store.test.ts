/**
 * The key store: client key secrets live in files outside the database (never in a dump),
 * written whole and readable by their owner only; they survive a restart, one store serves
 * every process, keys from before the store move into it once, and a missing key is a clear
 * error rather than a crash.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { openDatabase, type DatabaseHandle } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { asClientId, withClient, type ClientId } from '../db/tenancy.ts';
import { startHark, type RunningHark } from '../start.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../../test/helpers/database.ts';
import { createTestClient } from '../../test/helpers/factories.ts';
import { giveFeedback } from '../../test/helpers/form.ts';
import type { TestHark } from '../../test/helpers/hark.ts';
import { ClientKeyUnavailableError, createWrappedClientKeys, DirectoryKeyStore, KeyringCache, moveClientKeysToStore } from './index.ts';

const cleanups: (() => Promise<void>)[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hark-key-store-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('DirectoryKeyStore', () => {
  it('writes one file per key, owner-only, that reads back whole; destroy removes it for good', async () => {
    const dir = path.join(await tempDir(), 'nested', 'keys');
    const store = new DirectoryKeyStore(dir);
    const key = { keyId: randomUUID(), clientId: asClientId(randomUUID()), createdAt: new Date().toISOString(), wrappedDataKey: randomBytes(61), wrappedIndexKey: randomBytes(61) };
    await store.put(key);
    const files = await readdir(dir);
    expect(files).toEqual([`${key.keyId}.key`]);
    expect(((await stat(path.join(dir, files[0] ?? ''))).mode & 0o777).toString(8)).toBe('600');
    expect(((await stat(dir)).mode & 0o777).toString(8)).toBe('700');
    const back = await store.get(key.keyId);
    expect(back?.wrappedDataKey.equals(key.wrappedDataKey)).toBe(true);
    expect(back?.wrappedIndexKey.equals(key.wrappedIndexKey)).toBe(true);
    expect(back?.clientId).toBe(key.clientId);
    expect(await store.destroy(key.keyId)).toBe(true);
    expect(await store.get(key.keyId)).toBeUndefined();
    expect(await store.destroy(key.keyId)).toBe(false);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a key id that is not a uuid (no path reaches outside the folder)', async () => {
    const store = new DirectoryKeyStore(await tempDir());
    await expect(store.get('../master')).rejects.toThrow(/uuid/);
  });

  it('names the file of a damaged key instead of misreading it', async () => {
    const dir = await tempDir();
    const store = new DirectoryKeyStore(dir);
    const keyId = randomUUID();
    await store.put({ keyId, clientId: asClientId(randomUUID()), createdAt: new Date().toISOString(), wrappedDataKey: randomBytes(61), wrappedIndexKey: randomBytes(61) });
    const file = path.join(dir, `${keyId}.key`);
    await import('node:fs/promises').then((fs) => fs.writeFile(file, '{"format":"something else"}'));
    await expect(store.get(keyId)).rejects.toThrow(`${file} is not a Hark client key file`);
  });
});

describe(`client keys in the key store (${testDatabaseKind})`, () => {
  const running: RunningHark[] = [];
  afterEach(async () => {
    for (const hark of running.splice(0)) await hark.stop();
  });

  async function setUp(): Promise<{ database: TestDatabase; dataDir: string; env: Record<string, string> }> {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const dataDir = await tempDir();
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      HARK_DATA_DIR: dataDir,
      HARK_MASTER_KEY: randomBytes(32).toString('base64'),
      HARK_LOG_LEVEL: 'silent',
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    };
    return { database, dataDir, env };
  }

  async function start(env: Record<string, string>, role: 'all' | 'web' = 'all'): Promise<TestHark> {
    const hark = await startHark(loadConfig(env), { role, logger: false });
    running.push(hark);
    const url = hark.url ?? '';
    return { ...hark, url, fetch: (p, init) => fetch(`${url}${p}`, { redirect: 'manual', ...init }), close: () => hark.stop() };
  }

  async function stop(hark: TestHark): Promise<void> {
    running.splice(running.indexOf(hark), 1);
    await hark.stop();
  }

  function emailsOf(hark: TestHark, clientId: ClientId): Promise<string[]> {
    return withClient(hark.services.db, clientId, async (trx) => {
      const keyring = await hark.services.keyrings.keyringFor(trx, clientId);
      const rows = await trx.selectFrom('end_customers').select('email_enc').where('client_id', '=', clientId).execute();
      return rows.map((r) => (r.email_enc ? keyring.decrypt('email', r.email_enc) : ''));
    });
  }

  it('keeps no key secret in the database, and the keys survive a restart', async () => {
    const { env, dataDir } = await setUp();
    const first = await start(env);
    const client = await createTestClient(first.services);
    const given = await giveFeedback(first, `/f/${client.location.code}`, { score: '4', comment: 'fine', name: 'Hemi', email: 'hemi@example.com', contact_requested: 'yes' });
    expect(given.status, given.html).toBe(200);
    const row = await first.services.db.selectFrom('client_keys').selectAll().where('client_id', '=', client.clientId).executeTakeFirstOrThrow();
    expect(row.wrapped_data_key).toBeNull();
    expect(row.wrapped_index_key).toBeNull();
    expect(await readdir(path.join(dataDir, 'keys'))).toContain(`${row.key_id}.key`);
    await stop(first);

    const again = await start(env);
    expect(await emailsOf(again, client.clientId)).toEqual(['hemi@example.com']);
  }, 60_000);

  it.runIf(testDatabaseKind === 'postgres')('shares one store between processes: a key made in one opens in another, and one destroyed in one is refused in the other at once', async () => {
    const { env } = await setUp();
    const a = await start(env);
    // Another process with a data folder of its own, pointed at the same key store.
    const b = await start({ ...env, HARK_DATA_DIR: await tempDir(), HARK_KEY_STORE_DIR: a.services.config.keyStoreDir }, 'web');
    const client = await createTestClient(a.services);
    const given = await giveFeedback(b, `/f/${client.location.code}`, { score: '5', comment: 'great', email: 'tui@example.com', contact_requested: 'yes' });
    expect(given.status, given.html).toBe(200);
    expect(await emailsOf(a, client.clientId)).toEqual(['tui@example.com']);
    expect(await emailsOf(b, client.clientId)).toEqual(['tui@example.com']);

    await a.services.db.transaction().execute((trx) => a.services.keyrings.destroyClientKeys(trx, client.clientId));
    // b has the keyring cached, but every lookup asks the database which key is current.
    await expect(emailsOf(b, client.clientId)).rejects.toThrow(/has no keys: it was terminated/);
  }, 60_000);

  it('answers a missing key file with a clear error, and Hark keeps serving', async () => {
    const { env, dataDir } = await setUp();
    const hark = await start(env);
    const client = await createTestClient(hark.services);
    const row = await hark.services.db.selectFrom('client_keys').select('key_id').where('client_id', '=', client.clientId).executeTakeFirstOrThrow();
    // A process that has not opened the key yet (a fresh cache), with the file gone.
    const fresh = new KeyringCache(hark.services.keyrings.masterKey, new DirectoryKeyStore(path.join(dataDir, 'keys')));
    await unlink(path.join(dataDir, 'keys', `${row.key_id}.key`));
    const failure = await withClient(hark.services.db, client.clientId, (trx) => fresh.keyringFor(trx, client.clientId)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ClientKeyUnavailableError);
    expect((failure as Error).message).toContain(`key ${row.key_id} of client ${client.clientId} is not in the key store folder ${path.join(dataDir, 'keys')}`);
    expect((failure as Error).message).toContain('HARK_KEY_STORE_DIR');

    // Over HTTP: the submission fails with the generic error page; Hark stays up.
    await stop(hark);
    const restarted = await start(env);
    const given = await giveFeedback(restarted, `/f/${client.location.code}`, { score: '2', comment: 'slow', email: 'kahu@example.com', contact_requested: 'yes' });
    expect(given.status).toBe(500);
    expect(given.html).toMatch(/Something went wrong/);
    expect((await restarted.fetch('/healthz')).status).toBe(200);
  }, 60_000);

  it('moves keys from before the key store out of the database on start, once, and they still open', async () => {
    const { env, dataDir, database } = await setUp();
    // An installation as it was: migrated, with a client whose wrapped keys sit in client_keys.
    const masterKey = Buffer.from(env.HARK_MASTER_KEY ?? '', 'base64');
    const handle: DatabaseHandle = await openDatabase({ databaseUrl: database.url, pgliteDir: database.url ? undefined : path.join(dataDir, 'pgdata'), poolMax: 1 });
    const clientId = asClientId(randomUUID());
    const wrapped = createWrappedClientKeys(masterKey, clientId);
    try {
      await migrateToLatest(handle.db);
      await handle.db.insertInto('clients').values({ id: clientId, name: 'Legacy Ltd' }).execute();
      await handle.db.insertInto('client_keys').values({ client_id: clientId, key_id: null, ...wrapped }).execute();
      // Interrupted once already: the id was given, the file never written.
      const other = asClientId(randomUUID());
      await handle.db.insertInto('clients').values({ id: other, name: 'Half Moved Ltd' }).execute();
      await handle.db.insertInto('client_keys').values({ client_id: other, key_id: randomUUID(), ...createWrappedClientKeys(masterKey, other) }).execute();

      const store = new DirectoryKeyStore(path.join(dataDir, 'keys'));
      expect(await moveClientKeysToStore(handle.db, masterKey, store)).toBe(2);
      expect(await moveClientKeysToStore(handle.db, masterKey, store)).toBe(0);
      const rows = await handle.db.selectFrom('client_keys').selectAll().execute();
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(row.wrapped_data_key).toBeNull();
        expect(row.wrapped_index_key).toBeNull();
        const file = await readFile(path.join(dataDir, 'keys', `${row.key_id}.key`), 'utf8');
        expect(file).toContain(row.client_id);
      }
      const { rows: dump } = await sql<{ line: string }>`select t::text as line from client_keys t`.execute(handle.db);
      expect(dump.join('\n')).not.toContain(wrapped.wrapped_data_key.toString('hex'));
      // The moved key is the very key: what the old keyring wrote, the new one reads.
      const legacy = (await import('./keyring.ts')).unwrapClientKeyring(masterKey, clientId, wrapped);
      const sealed = legacy.encrypt('email', 'legacy@example.com');
      const keyrings = new KeyringCache(masterKey, store);
      const opened = await withClient(handle.db, clientId, (trx) => keyrings.keyringFor(trx, clientId));
      expect(opened.decrypt('email', sealed)).toBe('legacy@example.com');
      expect(opened.blindIndex('email', 'legacy@example.com').equals(legacy.blindIndex('email', 'legacy@example.com'))).toBe(true);
    } finally {
      await handle.close();
    }
    // And Hark starts on it (the step finds nothing more to move).
    const hark = await start(env);
    expect(await hark.services.db.selectFrom('client_keys').select('client_id').where('wrapped_data_key', 'is not', null).execute()).toEqual([]);
  }, 60_000);
});
