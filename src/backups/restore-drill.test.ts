/**
 * The restore drill, on the database the suite runs on: seed clients with feedback (contact
 * details, audit entries), back up while Hark runs, restore into a fresh database or folder,
 * and compare every table's count and checksum and every audit chain. Then the refusals:
 * a non-empty target (left unchanged), a damaged or truncated data file, a missing path.
 */
import { mkdtemp, readFile, rm, truncate, writeFile, readdir, cp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAllAuditChains } from '../audit/index.ts';
import { openDatabase, type DatabaseHandle } from '../db/connect.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../../test/helpers/database.ts';
import { createTestClient } from '../../test/helpers/factories.ts';
import { giveFeedback } from '../../test/helpers/form.ts';
import { startTestHark, type TestHark } from '../../test/helpers/hark.ts';
import { readDatabaseState, stableTextSettings, type DatabaseState } from './database-state.ts';
import { makeBackup, queryableOf, type MadeBackup } from './make-backup.ts';
import { restoreBackup, type RestoreTarget } from './restore-backup.ts';

async function stateOf(handle: DatabaseHandle): Promise<DatabaseState> {
  const client = await handle.pool.connect();
  try {
    await client.query('begin');
    for (const setting of stableTextSettings) await client.query(setting);
    const state = await readDatabaseState(queryableOf(client));
    await client.query('commit');
    return state;
  } finally {
    client.release();
  }
}

describe(`restore drill (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let scratch: string;
  let backup: MadeBackup;
  const databases: TestDatabase[] = [];

  /** A fresh, empty target of the suite's kind. */
  async function freshTarget(): Promise<RestoreTarget> {
    if (testDatabaseKind === 'postgres') {
      const database = await createTestDatabase();
      databases.push(database);
      return { kind: 'postgres', url: database.url ?? '' };
    }
    return { kind: 'pglite', dir: path.join(await mkdtemp(path.join(scratch, 'restore-')), 'pgdata') };
  }

  function openTarget(target: RestoreTarget): Promise<DatabaseHandle> {
    return openDatabase(target.kind === 'postgres' ? { databaseUrl: target.url, poolMax: 1 } : { pgliteDir: target.dir, poolMax: 1 });
  }

  beforeAll(async () => {
    hark = await startTestHark();
    scratch = await mkdtemp(path.join(os.tmpdir(), 'hark-drill-'));
    for (const name of ['Drill Café', 'Drill Bakery']) {
      const client = await createTestClient(hark.services, { prizeDraw: true, name });
      for (const [i, who] of ['Aroha', 'Bruce', 'Carmen'].entries()) {
        const response = await giveFeedback(hark, `/f/${client.location.code}`, {
          score: String(2 + i),
          comment: `visit ${i} by ${who}`,
          name: who,
          email: `${who.toLowerCase()}@example.com`,
          mobile: '021 555 0123',
          contact_requested: 'yes',
          prize_draw: 'yes',
          accept_terms: 'yes',
          accept_privacy: 'yes',
        });
        expect(response.status, response.html).toBe(200);
      }
    }
    backup = await makeBackup(hark.services.database, { outDir: path.join(scratch, 'backups'), databaseUrl: hark.services.config.databaseUrl });
  });

  afterAll(async () => {
    await hark?.close();
    for (const database of databases) await database.drop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('writes a manifest with counts and checksums per table, chain heads, schema version and the file’s SHA-256', async () => {
    const { manifest } = backup;
    const onDisk = JSON.parse(await readFile(path.join(backup.location, 'manifest.json'), 'utf8'));
    expect(onDisk).toEqual(manifest);
    expect(manifest.kind).toBe(testDatabaseKind);
    expect(manifest.schemaVersion).toMatch(/^\d{4}_/);
    expect(manifest.file.sha256).toMatch(/^[0-9a-f]{64}$/);
    const feedback = manifest.tables.find((t) => t.name === 'public.feedback');
    expect(feedback?.rows).toBeGreaterThanOrEqual(6);
    expect(manifest.tables.map((t) => t.name)).toEqual(expect.arrayContaining(['public.clients', 'public.audit_log', 'public.end_customers', 'public.client_keys']));
    // The counts are the database's at the moment of the backup.
    const now = await stateOf(hark.services.database);
    expect(now.tables.find((t) => t.name === 'public.feedback')).toEqual(feedback);
    expect(manifest.auditChainHeads.length).toBeGreaterThanOrEqual(2);
    // No contact detail in clear in the data file (they are encrypted at rest).
    if (manifest.kind === 'postgres') {
      const dump = await readFile(path.join(backup.location, manifest.file.name));
      expect(dump.includes(Buffer.from('aroha@example.com'))).toBe(false);
    }
  });

  it('restores into a fresh target with the same counts, checksums and verifying audit chains', async () => {
    const target = await freshTarget();
    const report = await restoreBackup(backup.location, target);
    expect(report.differences).toEqual([]);
    expect(report.chainHeadsDiffering).toEqual([]);
    expect(report.ok).toBe(true);
    const restored = await openTarget(target);
    try {
      const state = await stateOf(restored);
      expect(state.tables).toEqual(backup.manifest.tables);
      expect(state.auditChainHeads).toEqual(backup.manifest.auditChainHeads);
      const chains = await verifyAllAuditChains(restored.db);
      expect(chains.length).toBe(backup.manifest.auditChainHeads.length);
      expect(chains.every((c) => c.problem === null)).toBe(true);
      const names = (await restored.db.selectFrom('clients').select('name').orderBy('name').execute()).map((c) => c.name);
      expect(names).toEqual(expect.arrayContaining(['Drill Bakery', 'Drill Café']));
    } finally {
      await restored.close();
    }
  });

  it('refuses a non-empty target and leaves it unchanged', async () => {
    const target = await freshTarget();
    await restoreBackup(backup.location, target);
    const before = await openTarget(target).then(async (h) => {
      try {
        return await stateOf(h);
      } finally {
        await h.close();
      }
    });
    await expect(restoreBackup(backup.location, target)).rejects.toThrow(/not empty.*Nothing was changed/s);
    const after = await openTarget(target).then(async (h) => {
      try {
        return await stateOf(h);
      } finally {
        await h.close();
      }
    });
    expect(after).toEqual(before);
    if (testDatabaseKind === 'postgres') {
      // The running Hark's own database is as non-empty as it gets.
      await expect(restoreBackup(backup.location, { kind: 'postgres', url: hark.services.config.databaseUrl ?? '' })).rejects.toThrow(/not empty/);
    } else {
      const folder = path.join(scratch, 'occupied');
      await cp(backup.location, folder, { recursive: true });
      const listed = await readdir(folder);
      await expect(restoreBackup(backup.location, { kind: 'pglite', dir: folder })).rejects.toThrow(/not empty/);
      expect(await readdir(folder)).toEqual(listed);
    }
  });

  it('refuses a damaged or truncated data file before touching the target', async () => {
    for (const damage of ['flip', 'truncate'] as const) {
      const copy = path.join(scratch, `damaged-${damage}`);
      await cp(backup.location, copy, { recursive: true });
      const dataFile = path.join(copy, backup.manifest.file.name);
      if (damage === 'flip') {
        const bytes = await readFile(dataFile);
        const at = Math.floor(bytes.length / 2);
        bytes[at] = (bytes[at] ?? 0) ^ 0x01;
        await writeFile(dataFile, bytes);
      } else {
        await truncate(dataFile, Math.floor(backup.manifest.file.bytes / 3));
      }
      const target = await freshTarget();
      await expect(restoreBackup(copy, target), damage).rejects.toThrow(/is damaged: its SHA-256 is [0-9a-f]{64}.*Nothing was restored/s);
      if (target.kind === 'pglite') await expect(readdir(target.dir)).rejects.toThrow(/ENOENT/);
      else {
        const handle = await openTarget(target);
        try {
          expect((await stateOf(handle)).tables).toEqual([]);
        } finally {
          await handle.close();
        }
      }
    }
  });

  it('refuses a missing path, a missing data file and a manifest that is not one', async () => {
    const target = await freshTarget();
    await expect(restoreBackup(path.join(scratch, 'no-such-backup'), target)).rejects.toThrow(/There is no backup at .*no-such-backup/);
    await expect(restoreBackup(path.join(backup.location, backup.manifest.file.name), target)).rejects.toThrow(/is a file: give the backup's folder/);
    const noData = path.join(scratch, 'no-data');
    await cp(backup.location, noData, { recursive: true });
    await rm(path.join(noData, backup.manifest.file.name));
    await expect(restoreBackup(noData, target)).rejects.toThrow(/data file .* is missing/);
    const badManifest = path.join(scratch, 'bad-manifest');
    await cp(backup.location, badManifest, { recursive: true });
    await writeFile(path.join(badManifest, 'manifest.json'), '{"format": "something else"}');
    await expect(restoreBackup(badManifest, target)).rejects.toThrow(/is not a Hark backup manifest/);
    const otherKind: RestoreTarget = target.kind === 'postgres' ? { kind: 'pglite', dir: path.join(scratch, 'other-kind') } : { kind: 'postgres', url: 'postgres://postgres:postgres@127.0.0.1:5432/none' };
    await expect(restoreBackup(backup.location, otherKind)).rejects.toThrow(/This backup was made from/);
  });
});
