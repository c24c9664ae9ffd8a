/**
 * `hark client terminate` through the real CLI, on PGlite or PostgreSQL: a wrong name or a
 * missing export changes nothing and exits 1; with the name and --skip-export-check the
 * client's key file and rows are gone, and the certificate written with --out verifies.
 */
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/clients/index.ts';
import { DirectoryKeyStore, KeyringCache } from '../../src/keys/index.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { cliDatabase, killAll, removeTempDirs, runHark, withDatabase, type CliDatabase, type Env } from './harness.ts';

const masterKey = randomBytes(32);
let database: CliDatabase;
let env: Env;

beforeAll(async () => {
  database = await cliDatabase();
  env = { ...database.env, HARK_MASTER_KEY: masterKey.toString('base64') };
  const migrated = await runHark(['migrate'], env);
  expect(migrated.code, migrated.output).toBe(0);
}, 90_000);

afterAll(async () => {
  await killAll();
  await database?.drop();
  await removeTempDirs();
});

describe(`hark client terminate (${testDatabaseKind})`, () => {
  it('refuses a wrong name and a missing export, then terminates and writes a certificate that verifies', async () => {
    const keyStoreDir = path.join(database.dataDir, 'keys');
    const keyrings = new KeyringCache(masterKey, new DirectoryKeyStore(keyStoreDir));
    const client = await withDatabase(database, (db) => createClient(db, keyrings, { name: 'Leaving Ltd' }));
    const keyId = await withDatabase(database, async (db) => (await db.selectFrom('client_keys').select('key_id').where('client_id', '=', client.id).executeTakeFirstOrThrow()).key_id);
    const keyFile = path.join(keyStoreDir, `${keyId}.key`);
    expect(existsSync(keyFile)).toBe(true);

    const unknown = await runHark(['client', 'terminate', 'Nobody Ltd', '--confirm-name', 'Nobody Ltd'], env);
    expect(unknown.code, unknown.output).toBe(1);
    expect(unknown.stderr).toMatch(/There is no client "Nobody Ltd"/);

    const wrong = await runHark(['client', 'terminate', client.id, '--confirm-name', 'Staying Ltd', '--skip-export-check'], env);
    expect(wrong.code, wrong.output).toBe(1);
    expect(wrong.stderr).toMatch(/does not match the client's name\. Nothing was deleted/);

    const noExport = await runHark(['client', 'terminate', 'leaving ltd', '--confirm-name', 'Leaving Ltd'], env);
    expect(noExport.code, noExport.output).toBe(1);
    expect(noExport.stderr).toMatch(/Export the client first.*--skip-export-check/s);
    expect(existsSync(keyFile)).toBe(true);
    expect(await withDatabase(database, (db) => db.selectFrom('clients').select('id').where('id', '=', client.id).execute())).toHaveLength(1);

    const out = path.join(database.dataDir, 'certificate.json');
    const done = await runHark(['client', 'terminate', 'Leaving Ltd', '--confirm-name', 'Leaving Ltd', '--skip-export-check', '--out', out], env);
    expect(done.code, done.output).toBe(0);
    expect(done.stdout).toMatch(new RegExp(`Terminated Leaving Ltd \\(${client.id}\\)`));
    expect(done.stdout).toContain(`keys destroyed: ${keyId}`);
    expect(existsSync(keyFile)).toBe(false);
    const left = await withDatabase(database, async (db) => ({
      clients: (await db.selectFrom('clients').select('id').where('id', '=', client.id).execute()).length,
      keys: (await db.selectFrom('client_keys').select('client_id').where('client_id', '=', client.id).execute()).length,
      chain: (await db.selectFrom('audit_log').select('seq').where('chain_id', '=', client.id).execute()).length,
    }));
    expect(left).toEqual({ clients: 0, keys: 0, chain: 0 });

    const written = JSON.parse(await readFile(out, 'utf8')) as { text: string; signature: string; signingKey: { publicKeyPem: string } };
    expect(verify(null, Buffer.from(written.text), createPublicKey(written.signingKey.publicKeyPem), Buffer.from(written.signature, 'base64'))).toBe(true);
    expect(JSON.parse(written.text)).toMatchObject({ client: { id: client.id, name: 'Leaving Ltd' }, export: { checked: false }, keysDestroyed: [{ keyId }], rowsDeleted: { clients: 1 } });

    const again = await runHark(['client', 'terminate', client.id, '--confirm-name', 'Leaving Ltd', '--skip-export-check'], env);
    expect(again.code, again.output).toBe(1);
    expect(again.stderr).toMatch(/terminated already/);
  }, 180_000);
});
