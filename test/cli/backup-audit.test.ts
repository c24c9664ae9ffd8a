/**
 * `hark audit verify`, `hark backup` and `hark restore` as an operator runs them, on the
 * suite's database: a healthy log verifies (exit 0); one byte of an entry's details changed,
 * or an entry deleted (as the owner with the trigger off, in a scratch database), is named
 * by chain and seq with what is wrong (exit 1). A backup restores into an empty target and
 * checks; a non-empty target, a damaged file and a missing path are refused.
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/index.ts';
import type { Db } from '../../src/db/connect.ts';
import { asClientId, withClient } from '../../src/db/tenancy.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../helpers/database.ts';
import { cliDatabase, killAll, removeTempDirs, runHark, tempDir, withDatabase, type CliDatabase } from './harness.ts';

/** Runs `change` as the owner with the append-only trigger off, as only the owner could. */
async function tamper(db: Db, change: (trx: Db) => Promise<unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`alter table audit_log disable trigger audit_log_append_only`.execute(trx);
    await change(trx);
    await sql`alter table audit_log enable trigger audit_log_append_only`.execute(trx);
  });
}

describe(`hark audit verify, backup, restore (${testDatabaseKind})`, () => {
  let database: CliDatabase;
  const extraDatabases: TestDatabase[] = [];
  let clientA: string;
  let clientB: string;

  /** A client with `entries` audit entries after its client.created. */
  async function clientWithEntries(db: Db, name: string, entries: number): Promise<string> {
    // A bare client row (no keys: this test is about the audit log, not contact details).
    const clientId = asClientId(randomUUID());
    await db.insertInto('clients').values({ id: clientId, name }).execute();
    await db.transaction().execute((trx) => appendAudit(trx, { clientId, actorKind: 'system', action: 'client.created', subjectKind: 'client', subjectId: clientId }));
    for (let i = 0; i < entries; i++) {
      await withClient(db, clientId, (trx) =>
        appendAudit(trx, { clientId, actorKind: 'user', actorId: `user-${i}`, action: 'feedback.viewed', subjectKind: 'feedback', subjectId: `f-${i}`, details: { count: i, note: 'looked' } }),
      );
    }
    return clientId;
  }

  beforeAll(async () => {
    database = await cliDatabase();
    const migrated = await runHark(['migrate'], database.env, 120_000);
    expect(migrated.code, migrated.output).toBe(0);
    await withDatabase(database, async (db) => {
      clientA = await clientWithEntries(db, 'Verify Café', 4);
      clientB = await clientWithEntries(db, 'Verify Bakery', 2);
      await db.transaction().execute((trx) => appendAudit(trx, { clientId: null, actorKind: 'operator', actorId: 'op-1', action: 'operator.signed_in' }));
    });
  }, 180_000);

  afterAll(async () => {
    await killAll();
    await database?.drop();
    for (const extra of extraDatabases) await extra.drop();
    await removeTempDirs();
  });

  it('verifies a healthy log: per-chain counts, exit 0', async () => {
    const run = await runHark(['audit', 'verify'], database.env, 120_000);
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain(`ok      chain ${clientA} (client Verify Café): 5 entries, seq 1 to 5`);
    expect(run.stdout).toContain(`ok      chain ${clientB} (client Verify Bakery): 3 entries, seq 1 to 3`);
    expect(run.stdout).toMatch(/ok {6}chain 00000000-0000-0000-0000-000000000000 \(operator chain\): 1 entries/);
    expect(run.stdout).toContain('All 3 audit chains verify (9 entries).');
  }, 120_000);

  it('backs up, refuses a non-empty target, restores into an empty one and checks it', async () => {
    const out = await tempDir();
    const backup = await runHark(['backup', '--out', out], database.env, 120_000);
    expect(backup.code, backup.output).toBe(0);
    const [folder] = await readdir(out);
    expect(folder).toMatch(/^hark-backup-\d{8}T\d{6}Z-[0-9a-f]{4}$/);
    const location = path.join(out, folder ?? '');
    expect(backup.stdout).toContain(`Backup written to ${location}`);
    const manifest = JSON.parse(await readFile(path.join(location, 'manifest.json'), 'utf8'));
    expect(manifest.auditChainHeads).toHaveLength(3);
    expect(manifest.tables.find((t: { name: string }) => t.name === 'public.audit_log').rows).toBe(9);

    // Into the database it came from: not empty, refused, nothing changed.
    const intoSelf = testDatabaseKind === 'postgres' ? (database.env.DATABASE_URL ?? '') : path.join(database.dataDir, 'pgdata');
    const before = await withDatabase(database, (db) => sql<{ n: number }>`select count(*)::int as n from audit_log`.execute(db));
    const refused = await runHark(['restore', location, '--into', intoSelf], database.env, 120_000);
    expect(refused.code, refused.output).toBe(1);
    expect(refused.stderr).toMatch(/not empty.*Nothing was changed/s);
    const after = await withDatabase(database, (db) => sql<{ n: number }>`select count(*)::int as n from audit_log`.execute(db));
    expect(after.rows).toEqual(before.rows);

    let into: string;
    if (testDatabaseKind === 'postgres') {
      const fresh = await createTestDatabase();
      extraDatabases.push(fresh);
      into = fresh.url ?? '';
    } else {
      into = path.join(await tempDir(), 'pgdata');
    }
    const restored = await runHark(['restore', location, '--into', into], database.env, 180_000);
    expect(restored.code, restored.output).toBe(0);
    expect(restored.stdout).toMatch(/Restored and checked: \d+ tables, \d+ rows, counts and checksums match the manifest; 3 audit chains verify\./);

    // A damaged copy is refused by its checksum.
    const dataFile = path.join(location, manifest.file.name);
    const bytes = await readFile(dataFile);
    await writeFile(dataFile, bytes.subarray(0, bytes.length - 100));
    const damaged = await runHark(['restore', location, '--into', path.join(await tempDir(), 'x')], database.env, 120_000);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toMatch(/is damaged: its SHA-256 is/);

    const missing = await runHark(['restore', path.join(out, 'nothing-here')], database.env, 120_000);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/There is no backup at .*nothing-here/);
  }, 600_000);

  it('names an entry whose details had one byte changed: chain, seq, hash mismatch; exit 1', async () => {
    await withDatabase(database, (db) =>
      tamper(db, (trx) => sql`update audit_log set details = jsonb_set(details, '{note}', '"lookeD"') where chain_id = ${clientA}::uuid and seq = 3`.execute(trx)),
    );
    const run = await runHark(['audit', 'verify'], database.env, 120_000);
    expect(run.code, run.output).toBe(1);
    expect(run.stdout).toContain(`BROKEN  chain ${clientA} (client Verify Café): 5 entries; first bad entry seq 3: hash mismatch`);
    expect(run.stdout).toContain(`ok      chain ${clientB}`);
    expect(run.stdout).toContain('1 of 3 audit chains are broken');
  }, 120_000);

  it('names a deleted entry as a missing seq; exit 1', async () => {
    await withDatabase(database, (db) => tamper(db, (trx) => sql`delete from audit_log where chain_id = ${clientB}::uuid and seq = 2`.execute(trx)));
    const run = await runHark(['audit', 'verify'], database.env, 120_000);
    expect(run.code, run.output).toBe(1);
    expect(run.stdout).toContain(`BROKEN  chain ${clientB} (client Verify Bakery): 2 entries; first bad entry seq 3: missing seq: entry 2 is missing before entry 3 (deleted)`);
    expect(run.stdout).toContain('2 of 3 audit chains are broken');
  }, 120_000);
});
