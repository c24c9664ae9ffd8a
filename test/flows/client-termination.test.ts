/**
 * Terminating a client (issue 7): the operator confirms the client's name, after a current
 * export; its keys are destroyed at once, every row, queued job and its audit chain go, and a
 * signed deletion certificate remains. Then: no row anywhere names the client, a full dump
 * of the database holds none of its plaintext, and (on PostgreSQL) a backup taken before,
 * restored into a fresh database with the same master key and key store, decrypts none of
 * its contacts. Bad input changes nothing.
 */
import { execFile } from 'node:child_process';
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { verifyAuditChain } from '../../src/audit/index.ts';
import type { Db } from '../../src/db/connect.ts';
import { openDatabase } from '../../src/db/connect.ts';
import { withClient, type ClientId } from '../../src/db/tenancy.ts';
import { startClientExport } from '../../src/exports/index.ts';
import { allQueues } from '../../src/jobs/index.ts';
import { ClientKeyUnavailableError, KeyringCache } from '../../src/keys/index.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, testPassword, type PortalClient } from '../helpers/portal.ts';

const run = promisify(execFile);
const pgBin = '/usr/lib/postgresql/15/bin';

interface Certificate {
  clientId: string;
  clientName: string;
  text: string;
  signature: string;
  signingKey: { id: string; algorithm: string; publicKeyPem: string };
  certificate: {
    client: { id: string; name: string };
    export: { checked: boolean; exportId?: string };
    keysDestroyed: { keyId: string }[];
    rowsDeleted: Record<string, number>;
    totalRowsDeleted: number;
    auditChain: { entries: number; finalSeq: number; finalHash: string };
    startedAt: string;
    keysDestroyedAt: string;
    completedAt: string;
  };
}
type ErrorBody = { error: { code: string; message: string } };

/** Every table with a client_id column, and how many rows of the client each holds (plus clients, jobs, audit). */
async function rowsNaming(db: Db, clientId: string): Promise<Record<string, number>> {
  const { rows: tables } = await sql<{ name: string }>`
    select c.table_name as name from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = 'public' and c.column_name = 'client_id' and t.table_type = 'BASE TABLE'`.execute(db);
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(name)} where client_id = ${clientId}`.execute(db);
    counts[name] = rows[0]?.n ?? 0;
  }
  counts.clients = (await sql<{ n: number }>`select count(*)::int as n from clients where id = ${clientId}`.execute(db)).rows[0]?.n ?? 0;
  counts.audit_chain = (await sql<{ n: number }>`select count(*)::int as n from audit_log where chain_id = ${clientId}`.execute(db)).rows[0]?.n ?? 0;
  counts['pgboss.job'] = (await sql<{ n: number }>`select count(*)::int as n from pgboss.job where strpos(data::text, ${clientId}) > 0`.execute(db)).rows[0]?.n ?? 0;
  return counts;
}

/** The text of every row of every table (public and pgboss), table by table: a logical dump. */
async function logicalDump(db: Db): Promise<Map<string, string>> {
  const { rows: tables } = await sql<{ schema: string; name: string }>`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_schema in ('public', 'pgboss') and table_type = 'BASE TABLE'`.execute(db);
  const dump = new Map<string, string>();
  for (const t of tables) {
    const { rows } = await sql<{ line: string }>`select t::text as line from ${sql.table(`${t.schema}.${t.name}`)} t`.execute(db);
    dump.set(`${t.schema}.${t.name}`, rows.map((r) => r.line).join('\n'));
  }
  return dump;
}

const discard = () => new Writable({ write: (_chunk, _encoding, done) => done() });

describe(`client termination (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let doomed: TestClient;
  let bystander: TestClient;
  let operator: PortalClient;
  let operatorId: string;
  const tag = randomBytes(4).toString('hex');
  const doomedContacts = { name: `Wiremu Doomed ${tag}`, email: `wiremu.${tag}@doomed.example`, comment: `The flat white was cold ${tag}` };
  const bystanderContacts = { name: `Ana Stays ${tag}`, email: `ana.${tag}@stays.example`, comment: `Lovely scones ${tag}` };
  const doomedName = `Doomed Café ${tag}`;
  const scratch: string[] = [];

  beforeAll(async () => {
    hark = await startTestHark();
    doomed = await createTestClient(hark.services, { name: doomedName, prizeDraw: true });
    bystander = await createTestClient(hark.services, { name: `Bystander Bakery ${tag}` });
    for (const [client, who] of [
      [doomed, doomedContacts],
      [bystander, bystanderContacts],
    ] as const) {
      const given = await giveFeedback(hark, `/f/${client.location.code}`, { score: '2', comment: who.comment, name: who.name, email: who.email, contact_requested: 'yes' });
      expect(given.status, given.html).toBe(200);
      await giveFeedback(hark, `/f/${client.location.code}`, { score: '5', comment: `second ${who.comment}` });
    }
    // A queued job naming the doomed client, not due for a day.
    const queue = allQueues[0]?.name ?? '';
    await hark.services.db.transaction().execute((trx) => hark.services.jobs.sendInTransaction(trx, queue, { clientId: doomed.clientId }, { startAfter: 86_400 }));
    operatorId = await createUser(hark.services.db, { email: `ops-${tag}@hark.example`, name: 'Ops Person', password: testPassword, kind: 'operator' });
    operator = await signIn(hark, { id: operatorId, email: `ops-${tag}@hark.example`, password: testPassword });
  }, 120_000);

  afterAll(async () => {
    await hark?.close();
    await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  const terminate = (clientId: string, body: unknown) => operator.post<Certificate & ErrorBody>(`/api/v1/operator/clients/${clientId}/terminate`, body);

  async function keyIdOf(clientId: ClientId): Promise<string> {
    const row = await hark.services.db.selectFrom('client_keys').select('key_id').where('client_id', '=', clientId).executeTakeFirstOrThrow();
    return row.key_id ?? '';
  }

  async function exportClient(clientId: ClientId): Promise<string> {
    const started = await startClientExport(hark.services, clientId, { via: 'cli', userId: null, label: 'test@host' });
    if (!started) throw new Error('no client to export');
    await started.run(discard());
    return started.exportId;
  }

  it('refuses bad input, changing nothing', async () => {
    const owner = await signIn(hark, await createTestUser(hark.services, doomed.clientId, 'owner'));
    // An export, then a change to the data: the export is out of date.
    await exportClient(doomed.clientId);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await giveFeedback(hark, `/f/${doomed.location.code}`, { score: '3', comment: `after the export ${doomedContacts.comment}` });
    // The workers finish the feedback's rollups first, so the counts below change only if a refusal changed something.
    expect(await hark.services.jobs.drained('update-daily-rollups', 20_000)).toBe(true);

    const before = await rowsNaming(hark.services.db, doomed.clientId);
    const bystanderBefore = await rowsNaming(hark.services.db, bystander.clientId);
    expect(before.feedback).toBe(3);
    expect(before.end_customers).toBe(1);
    expect(before['pgboss.job']).toBeGreaterThanOrEqual(1);
    const keyFile = path.join(hark.services.config.keyStoreDir, `${await keyIdOf(doomed.clientId)}.key`);
    expect(existsSync(keyFile)).toBe(true);

    // Not signed in; signed in as the client's own owner.
    const anonymous = await hark.fetch(`/api/v1/operator/clients/${doomed.clientId}/terminate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ confirmName: doomedName }) });
    expect(anonymous.status).toBe(401);
    expect((await owner.post(`/api/v1/operator/clients/${doomed.clientId}/terminate`, { confirmName: doomedName })).status).toBe(403);
    // An unknown client; a malformed id; a missing or empty name; an unknown field.
    const unknown = await terminate('7d4f1c1e-0000-4000-8000-000000000000', { confirmName: doomedName });
    expect(unknown.status).toBe(404);
    expect((await terminate('not-a-uuid', { confirmName: doomedName })).status).toBe(400);
    const noName = await terminate(doomed.clientId, {});
    expect(noName.status).toBe(400);
    expect(noName.body.error.message).toMatch(/confirm/);
    expect((await terminate(doomed.clientId, { confirmName: '   ' })).status).toBe(400);
    expect((await terminate(doomed.clientId, { confirmName: doomedName, force: true })).status).toBe(400);
    expect((await terminate(doomed.clientId, { confirmName: doomedName, skipExportCheck: 'yes' })).status).toBe(400);
    // The wrong name: another client's.
    const wrong = await terminate(doomed.clientId, { confirmName: `Bystander Bakery ${tag}` });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toMatch(/does not match the client's name\. Nothing was deleted/);
    // The data changed after the last export.
    const outdated = await terminate(doomed.clientId, { confirmName: doomedName });
    expect(outdated.status).toBe(409);
    expect(outdated.body.error.message).toMatch(/Export the client again: its data changed/);
    // A client never exported.
    const noExport = await terminate(bystander.clientId, { confirmName: `Bystander Bakery ${tag}` });
    expect(noExport.status).toBe(409);
    expect(noExport.body.error.message).toMatch(/Export the client first/);

    expect(await rowsNaming(hark.services.db, doomed.clientId)).toEqual(before);
    expect(await rowsNaming(hark.services.db, bystander.clientId)).toEqual(bystanderBefore);
    expect(existsSync(keyFile)).toBe(true);
    expect(await hark.services.db.selectFrom('client_terminations').selectAll().execute()).toEqual([]);
    expect((await operator.get(`/api/v1/operator/clients/${doomed.clientId}/deletion-certificate`)).status).toBe(404);
  }, 60_000);

  let dumpBefore: string | null = null;
  let certificate: Certificate;
  let doomedKeyFile: string;
  let doomedKeyId: string;
  let rowsBefore: Record<string, number>;
  let bystanderBefore: Record<string, number>;
  let chainHeadBefore: { seq: number; hash: string };

  it('terminates after a current export: keys destroyed, rows deleted, a signed certificate', async () => {
    const exportId = await exportClient(doomed.clientId);
    doomedKeyId = await keyIdOf(doomed.clientId);
    doomedKeyFile = path.join(hark.services.config.keyStoreDir, `${doomedKeyId}.key`);
    rowsBefore = await rowsNaming(hark.services.db, doomed.clientId);
    bystanderBefore = await rowsNaming(hark.services.db, bystander.clientId);
    const head = await hark.services.db.selectFrom('audit_log').select(['seq', 'hash']).where('chain_id', '=', doomed.clientId).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    chainHeadBefore = { seq: Number(head.seq), hash: head.hash.toString('hex') };
    if (testDatabaseKind === 'postgres') {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'hark-termination-'));
      scratch.push(dir);
      dumpBefore = path.join(dir, 'before.dump');
      await run(`${pgBin}/pg_dump`, ['-Fc', '-f', dumpBefore, '-d', hark.services.config.databaseUrl ?? '']);
    }

    // The name as a person might type it: other case, extra spaces.
    const response = await terminate(doomed.clientId, { confirmName: `  ${doomedName.toUpperCase()} ` });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    certificate = response.body;
    const c = certificate.certificate;
    expect(c.client).toEqual({ id: doomed.clientId, name: doomedName });
    expect(c.export).toMatchObject({ checked: true, exportId });
    expect(c.keysDestroyed.map((k) => k.keyId)).toEqual([doomedKeyId]);
    expect(c.rowsDeleted.feedback).toBe(rowsBefore.feedback);
    expect(c.rowsDeleted.end_customers).toBe(rowsBefore.end_customers);
    expect(c.rowsDeleted.locations).toBe(rowsBefore.locations);
    expect(c.rowsDeleted.clients).toBe(1);
    expect(c.rowsDeleted['pgboss.job']).toBe(rowsBefore['pgboss.job']);
    expect(c.auditChain).toMatchObject({ entries: chainHeadBefore.seq, finalSeq: chainHeadBefore.seq, finalHash: chainHeadBefore.hash });
    expect(c.totalRowsDeleted).toBe(Object.values(c.rowsDeleted).reduce((a, b) => a + b, 0));
    expect(new Date(c.startedAt) <= new Date(c.keysDestroyedAt) && new Date(c.keysDestroyedAt) <= new Date(c.completedAt)).toBe(true);
    expect(JSON.parse(certificate.text)).toEqual(c);

    // The signature checks against the published key, and fails for a changed text.
    const published = await operator.get<{ id: string; algorithm: string; publicKeyPem: string }>('/api/v1/operator/signing-key');
    expect(published.body).toEqual(certificate.signingKey);
    const publicKey = createPublicKey(published.body.publicKeyPem);
    expect(verify(null, Buffer.from(certificate.text), publicKey, Buffer.from(certificate.signature, 'base64'))).toBe(true);
    expect(verify(null, Buffer.from(certificate.text.replace('"clients": 1', '"clients": 0')), publicKey, Buffer.from(certificate.signature, 'base64'))).toBe(false);
  }, 120_000);

  it('leaves no row naming the client, no key, and no plaintext in a full dump; the other client is untouched', async () => {
    const db = hark.services.db;
    const left = await rowsNaming(db, doomed.clientId);
    expect(Object.entries(left).filter(([, n]) => n > 0)).toEqual([]);
    expect(Object.keys(left)).toEqual(expect.arrayContaining(['feedback', 'end_customers', 'client_keys', 'programmes', 'audit_chain', 'pgboss.job']));
    expect(existsSync(doomedKeyFile)).toBe(false);
    expect((await readdir(hark.services.config.keyStoreDir)).filter((f) => f.startsWith(doomedKeyId))).toEqual([]);
    await expect(withClient(db, doomed.clientId, (trx) => hark.services.keyrings.keyringFor(trx, doomed.clientId))).rejects.toBeInstanceOf(ClientKeyUnavailableError);

    // The bystander: the same rows, and its contacts still open.
    const bystanderAfter = await rowsNaming(db, bystander.clientId);
    expect(bystanderAfter).toEqual({ ...bystanderBefore, audit_chain: bystanderAfter.audit_chain });
    const emails = await withClient(db, bystander.clientId, async (trx) => {
      const keyring = await hark.services.keyrings.keyringFor(trx, bystander.clientId);
      const rows = await trx.selectFrom('end_customers').select('email_enc').where('client_id', '=', bystander.clientId).execute();
      return rows.map((r) => (r.email_enc ? keyring.decrypt('email', r.email_enc) : null));
    });
    expect(emails).toEqual([bystanderContacts.email]);

    // A logical dump of every table: no plaintext of the doomed client; its id only in the
    // operator's records about it (the certificate, the export record, the operator chain).
    const dump = await logicalDump(db);
    const everything = [...dump.values()].join('\n');
    for (const secret of [doomedContacts.comment, doomedContacts.email, doomedContacts.name]) expect(everything).not.toContain(secret);
    expect(everything).toContain(bystanderContacts.comment);
    const naming = [...dump].filter(([, text]) => text.includes(doomed.clientId)).map(([table]) => table).sort();
    expect(naming).toEqual(['public.audit_log', 'public.client_exports', 'public.client_terminations']);
    const { rows: mentions } = await sql<{ chain_id: string; action: string }>`select chain_id, action from audit_log t where t::text like ${`%${doomed.clientId}%`} order by seq`.execute(db);
    expect(new Set(mentions.map((m) => m.chain_id))).toEqual(new Set(['00000000-0000-0000-0000-000000000000']));
    expect(mentions.map((m) => m.action)).toEqual(expect.arrayContaining(['client.keys_destroyed', 'client.audit_chain_erased', 'client.terminated']));
    // The operator chain still verifies, and keeps the erased chain's final hash.
    expect((await verifyAuditChain(db, null)).brokenAt).toBeNull();
    const erased = await db.selectFrom('audit_log').select('details').where('chain_id', '=', '00000000-0000-0000-0000-000000000000').where('action', '=', 'client.audit_chain_erased').where('subject_id', '=', doomed.clientId).executeTakeFirstOrThrow();
    expect(erased.details).toMatchObject({ final_hash: chainHeadBefore.hash, entries: chainHeadBefore.seq });
  }, 60_000);

  it('answers a second termination with 409 and keeps the certificate', async () => {
    const again = await terminate(doomed.clientId, { confirmName: doomedName });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/terminated already/);
    const stored = await operator.get<Certificate>(`/api/v1/operator/clients/${doomed.clientId}/deletion-certificate`);
    expect(stored.status).toBe(200);
    expect(stored.body.text).toBe(certificate.text);
    expect(stored.body.signature).toBe(certificate.signature);
    const list = await operator.get<{ clientId: string; status: string; totalRowsDeleted: number }[]>('/api/v1/operator/terminations');
    expect(list.body).toContainEqual(expect.objectContaining({ clientId: doomed.clientId, status: 'complete', totalRowsDeleted: certificate.certificate.totalRowsDeleted }));
    const clients = await operator.get<{ id: string }[]>('/api/v1/operator/clients');
    expect(clients.body.map((c) => c.id)).not.toContain(doomed.clientId);
  });

  it.runIf(testDatabaseKind === 'postgres')('pg_dump after holds none of its plaintext; the backup from before, restored, decrypts none of its contacts', async () => {
    const url = hark.services.config.databaseUrl ?? '';
    const { stdout: fullDump } = await run(`${pgBin}/pg_dump`, ['-d', url], { maxBuffer: 256 * 1024 * 1024 });
    for (const secret of [doomedContacts.comment, doomedContacts.email, doomedContacts.name]) expect(fullDump).not.toContain(secret);
    expect(fullDump).toContain(bystanderContacts.comment);

    // The backup from before holds the doomed client's rows (ciphertexts), but no key secret.
    const { stdout: oldDump } = await run(`${pgBin}/pg_restore`, ['-f', '-', dumpBefore ?? ''], { maxBuffer: 256 * 1024 * 1024 });
    expect(oldDump).toContain(doomedContacts.comment);
    expect(oldDump).not.toContain(doomedContacts.email);

    const admin = new pg.Client({ connectionString: url.replace(/\/[^/]+$/, '/postgres') });
    await admin.connect();
    const restoredName = `hark_restored_${randomBytes(4).toString('hex')}`;
    await admin.query(`create database ${restoredName}`);
    try {
      const restoredUrl = url.replace(/\/[^/]+$/, `/${restoredName}`);
      await run(`${pgBin}/pg_restore`, ['--exit-on-error', '-d', restoredUrl, dumpBefore ?? '']);
      const restored = await openDatabase({ databaseUrl: restoredUrl, poolMax: 2 });
      try {
        // The same master key and the same key store as the live installation.
        const keyrings = new KeyringCache(hark.services.keyrings.masterKey, hark.services.keyrings.store);
        const rows = await restored.db.selectFrom('end_customers').select(['client_id', 'email_enc', 'name_enc']).where('client_id', '=', doomed.clientId).execute();
        expect(rows.length).toBe(1);
        const keyRow = await restored.db.selectFrom('client_keys').selectAll().where('client_id', '=', doomed.clientId).executeTakeFirstOrThrow();
        expect(keyRow.wrapped_data_key).toBeNull();
        expect(keyRow.key_id).toBe(doomedKeyId);
        let decrypted = 0;
        for (const row of rows) {
          const keyring = await withClient(restored.db, doomed.clientId, (trx) => keyrings.keyringFor(trx, doomed.clientId)).catch((e: unknown) => e);
          expect(keyring).toBeInstanceOf(ClientKeyUnavailableError);
          expect((keyring as Error).message).toMatch(/is not in the key store/);
          if (!(keyring instanceof Error) && row.email_enc) decrypted++;
        }
        expect(decrypted).toBe(0);
        // Nothing in the key store belongs to the client any more.
        for (const file of await readdir(hark.services.config.keyStoreDir)) {
          expect(await readFile(path.join(hark.services.config.keyStoreDir, file), 'utf8')).not.toContain(doomed.clientId);
        }
        // The same backup restores the bystander whole: its contacts open.
        const bystanderEmail = await withClient(restored.db, bystander.clientId, async (trx) => {
          const keyring = await keyrings.keyringFor(trx, bystander.clientId);
          const row = await trx.selectFrom('end_customers').select('email_enc').where('client_id', '=', bystander.clientId).executeTakeFirstOrThrow();
          return row.email_enc ? keyring.decrypt('email', row.email_enc) : null;
        });
        expect(bystanderEmail).toBe(bystanderContacts.email);
      } finally {
        await restored.close();
      }
    } finally {
      await admin.query(`drop database if exists ${restoredName} with (force)`);
      await admin.end();
    }
  }, 120_000);
});
