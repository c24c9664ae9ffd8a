/**
 * `hark client export <client> --out x.zip` through the real CLI, on embedded PGlite or
 * (HARK_TEST_DB=postgres) PostgreSQL: a whole zip at --out, recorded as a CLI export; an
 * existing file, an unknown client or a missing --out are refused and write nothing.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/clients/index.ts';
import { withClient, asClientId } from '../../src/db/tenancy.ts';
import type { Db } from '../../src/db/connect.ts';
import { recordEndCustomer } from '../../src/end-customers/index.ts';
import { DirectoryKeyStore, KeyringCache } from '../../src/keys/index.ts';
import { createLocation, createProgramme } from '../../src/programmes/index.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { readZip } from '../helpers/zip.ts';
import { cliDatabase, killAll, removeTempDirs, runHark, tempDir, withDatabase, type CliDatabase, type Env } from './harness.ts';

const masterKey = randomBytes(32);
let database: CliDatabase;
let env: Env;
let out: string;

async function clientWithFeedback(db: Db, keyrings: KeyringCache, name: string, email: string): Promise<string> {
  const client = await createClient(db, keyrings, { name });
  const clientId = asClientId(client.id);
  const programme = await createProgramme(db, clientId, { name: 'Feedback', scale: 'recommend_5', leadQuestion: 'How was it?', followUpQuestion: 'Why?' });
  const location = await createLocation(db, clientId, { programmeId: programme.id, name: 'Shop', code: `shop-${randomBytes(3).toString('hex')}` });
  await withClient(db, clientId, async (trx) => {
    const keyring = await keyrings.keyringFor(trx, clientId);
    const endCustomerId = await recordEndCustomer(trx, keyring, { name: 'Sam', email, mobile: null });
    await trx
      .insertInto('feedback')
      .values({ client_id: clientId, programme_id: programme.id, location_id: location.id, channel: 'web', scale: 'recommend_5', score: 4, comment: `from ${email}`, end_customer_id: endCustomerId })
      .execute();
  });
  return client.id;
}

describe(`hark client export (${testDatabaseKind})`, () => {
  let clientId: string;

  beforeAll(async () => {
    database = await cliDatabase();
    env = { ...database.env, HARK_MASTER_KEY: masterKey.toString('base64') };
    const migrated = await runHark(['migrate'], env);
    expect(migrated.code, migrated.output).toBe(0);
    const keyrings = new KeyringCache(masterKey, new DirectoryKeyStore(path.join(database.dataDir, 'keys')));
    clientId = await withDatabase(database, async (db) => {
      const id = await clientWithFeedback(db, keyrings, 'CLI Export Ltd', 'sam@example.com');
      await clientWithFeedback(db, keyrings, 'Other Co', 'other@example.com');
      return id;
    });
    out = path.join(await tempDir(), 'cli-export.zip');
  }, 120_000);

  afterAll(async () => {
    await killAll();
    await database?.drop();
    await removeTempDirs();
  });

  it('writes the zip named by --out, for a client named by its name, and records it', async () => {
    const run = await runHark(['client', 'export', 'cli export ltd', '--out', out], env, 90_000);
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/end_customers\s+1/);
    expect(run.stdout).toMatch(/sha256 [0-9a-f]{64}/);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const files = await readZip(await readFile(out));
    const manifest = JSON.parse(files.get('manifest.json')?.toString('utf8') ?? '{}') as { client: { id: string }; rowCounts: Record<string, number> };
    expect(manifest.client.id).toBe(clientId);
    expect(manifest.rowCounts).toMatchObject({ feedback: 1, end_customers: 1, programmes: 1, locations: 1 });
    const everything = [...files.values()].map((f) => f.toString('utf8')).join('\n');
    expect(everything).toContain('sam@example.com');
    expect(everything).not.toContain('other@example.com');
    const sha = /sha256 ([0-9a-f]{64})/.exec(run.stdout)?.[1];
    const records = await withDatabase(database, (db) => db.selectFrom('client_exports').select(['via', 'status', 'sha256', 'subject_client_id']).execute());
    expect(records).toEqual([{ via: 'cli', status: 'complete', sha256: sha, subject_client_id: clientId }]);
  }, 120_000);

  it('refuses an existing file, an unknown client and a missing --out, and writes nothing', async () => {
    const existing = path.join(path.dirname(out), 'existing.zip');
    await writeFile(existing, 'keep me');
    const clash = await runHark(['client', 'export', clientId, '--out', existing], env, 60_000);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain('exists already');
    expect(await readFile(existing, 'utf8')).toBe('keep me');

    const nobody = path.join(path.dirname(out), 'nobody.zip');
    const unknown = await runHark(['client', 'export', 'No Such Client', '--out', nobody], env, 60_000);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('There is no client "No Such Client"');
    expect(existsSync(nobody)).toBe(false);

    const noOut = await runHark(['client', 'export', clientId], env, 60_000);
    expect(noOut.code).not.toBe(0);
    expect(noOut.stderr).toContain('--out');
    const records = await withDatabase(database, (db) => db.selectFrom('client_exports').select('id').execute());
    expect(records).toHaveLength(1);
  }, 180_000);
});
