/**
 * Client export: an operator exports a client as a zip (JSON Lines and CSV per kind,
 * manifest.json, SCHEMA.md). The zip is unpacked and checked against the database: row
 * counts, checksums, contact details decrypted, and nothing of another client.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { latestClientExport } from '../../src/exports/index.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, testPassword, type PortalClient } from '../helpers/portal.ts';
import { waitFor } from '../helpers/wait.ts';
import { readZip } from '../helpers/zip.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

interface Manifest {
  format: string;
  schemaVersion: string;
  createdAt: string;
  client: { id: string; name: string };
  rowCounts: Record<string, number>;
  totalRows: number;
  files: { name: string; kind: string; format: string; rows: number | null; sha256: string; bytes: number }[];
}

describe(`client export (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let a: TestClient;
  let b: TestClient;
  let operator: PortalClient;
  let operatorId: string;

  beforeAll(async () => {
    hark = await startTestHark();
    a = await createTestClient(hark.services, { name: 'Export Café', prizeDraw: true });
    b = await createTestClient(hark.services, { name: 'Other Bakery', prizeDraw: true });
    const people = [
      [a, 'aroha', 'Aroha Ngata', '021 555 0101'],
      [a, 'tama', 'Tama "T" Rewi, jr', '021 555 0102'],
      [b, 'bruce', 'Bruce Other', '021 555 0199'],
    ] as const;
    for (const [client, who, name, mobile] of people) {
      const given = await giveFeedback(hark, `/f/${client.location.code}`, {
        score: '2',
        comment: `Slow, said ${who}`,
        name,
        email: `${who}@example.com`,
        mobile,
        contact_requested: 'yes',
        prize_draw: 'yes',
        accept_terms: 'yes',
        accept_privacy: 'yes',
      });
      expect(given.status, given.html).toBe(200);
    }
    expect((await giveFeedback(hark, `/f/${a.location.code}`, { score: '5', comment: 'Lovely, line one\nline two' })).status).toBe(200);
    // A reply from the client's staff: a response row.
    const owner = await signIn(hark, await createTestUser(hark.services, a.clientId, 'owner', { name: 'Olive Owner' }));
    const inbox = await owner.get<{ items: { id: string }[] }>('/api/v1/feedback');
    const first = inbox.body.items[0]?.id ?? '';
    expect((await owner.post(`/api/v1/feedback/${first}/responses`, { kind: 'note', body: 'Called back, sorted' })).status).toBe(201);
    await createTestUser(hark.services, b.clientId, 'owner', { name: 'Bert Bakery' });
    operatorId = await createUser(hark.services.db, { email: 'exports@hark.example', name: 'Export Operator', password: testPassword, kind: 'operator' });
    operator = await signIn(hark, { id: operatorId, email: 'exports@hark.example', password: testPassword });
  });
  afterAll(() => hark?.close());

  async function download(clientId: string) {
    const cookie = [...operator.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await hark.fetch(`/api/v1/operator/clients/${clientId}/export`, { method: 'POST', headers: { cookie, 'x-csrf-token': operator.csrfToken } });
    return { response, data: Buffer.from(await response.arrayBuffer()) };
  }

  async function ownerCount(table: string, clientId: string, column = 'client_id'): Promise<number> {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where ${sql.ref(column)} = ${clientId}`.execute(hark.services.db);
    return rows[0]?.n ?? -1;
  }

  async function exportCount(): Promise<number> {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from client_exports`.execute(hark.services.db);
    return rows[0]?.n ?? -1;
  }

  it('streams a zip whose files, counts and checksums match the database, with contacts decrypted and no other client', async () => {
    const { response, data } = await download(a.clientId);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="hark-export-export-caf[e]?-\d{8}-\d{6}Z\.zip"$/);
    const exportId = response.headers.get('x-hark-export-id') ?? '';

    const files = await readZip(data);
    const manifest = JSON.parse(files.get('manifest.json')?.toString('utf8') ?? '{}') as Manifest;
    expect(manifest.format).toBe('hark-client-export/1');
    expect(manifest.client).toEqual({ id: a.clientId, name: 'Export Café' });
    expect(manifest.schemaVersion).toMatch(/^\d{4}_[a-z0-9_]+$/);
    const { rows: latest } = await sql<{ name: string }>`select max(name) as name from kysely_migration`.execute(hark.services.db);
    expect(manifest.schemaVersion).toBe(latest[0]?.name);

    // Every file listed, with its checksum and row count; and nothing unlisted but the manifest.
    expect([...files.keys()].sort()).toEqual([...manifest.files.map((f) => f.name), 'manifest.json'].sort());
    for (const file of manifest.files) {
      const content = files.get(file.name) as Buffer;
      expect(sha256(content), file.name).toBe(file.sha256);
      expect(content.length, file.name).toBe(file.bytes);
      if (file.format === 'jsonl') expect(content.toString('utf8').split('\n').filter(Boolean).length, file.name).toBe(file.rows);
      if (file.format === 'csv') expect(content.toString('utf8').match(/\r\n(?=(?:[^"]*"[^"]*")*[^"]*$)/g)?.length, file.name).toBe((file.rows ?? 0) + 1);
    }
    const kinds = ['programmes', 'locations', 'sub_measures', 'personnel', 'end_customers', 'feedback', 'responses', 'consents', 'prize_entries', 'sms_messages', 'cases', 'alerts', 'audit'];
    expect(Object.keys(manifest.rowCounts)).toEqual(kinds);

    // The counts are the database's.
    const expected: Record<string, number> = {
      programmes: await ownerCount('programmes', a.clientId),
      locations: await ownerCount('locations', a.clientId),
      sub_measures: await ownerCount('sub_measures', a.clientId),
      personnel: await ownerCount('memberships', a.clientId),
      end_customers: await ownerCount('end_customers', a.clientId),
      feedback: await ownerCount('feedback', a.clientId),
      responses: await ownerCount('responses', a.clientId),
      consents: await ownerCount('consents', a.clientId),
      prize_entries: await ownerCount('prize_entries', a.clientId),
      sms_messages: await ownerCount('sms_messages', a.clientId),
      cases: await ownerCount('cases', a.clientId),
      alerts: await ownerCount('alerts', a.clientId),
    };
    expect(expected).toMatchObject({ end_customers: 2, feedback: 3, responses: 1, personnel: 1, programmes: 1, locations: 3, sub_measures: 1 });
    expect(expected.consents).toBeGreaterThan(0);
    expect(expected.prize_entries).toBe(2);
    for (const [kind, count] of Object.entries(expected)) expect(manifest.rowCounts[kind], kind).toBe(count);
    expect(manifest.totalRows).toBe(Object.values(manifest.rowCounts).reduce((x, y) => x + y, 0));

    // Contact details decrypted, in both formats; CSV quoting holds commas and quotes.
    const people = (files.get('end_customers.jsonl') as Buffer)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { name: string; email: string; mobile: string });
    expect(people.map((p) => p.email).sort()).toEqual(['aroha@example.com', 'tama@example.com']);
    expect(people.find((p) => p.email === 'tama@example.com')).toMatchObject({ name: 'Tama "T" Rewi, jr', mobile: '+64215550102' });
    const csv = (files.get('end_customers.csv') as Buffer).toString('utf8');
    expect(csv.split('\r\n')[0]).toBe('id,name,email,mobile,created_at');
    expect(csv).toContain('"Tama ""T"" Rewi, jr",tama@example.com,+64215550102');
    expect((files.get('feedback.csv') as Buffer).toString('utf8')).toContain('"Lovely, line one\nline two"');
    expect((files.get('personnel.jsonl') as Buffer).toString('utf8')).toContain('Olive Owner');
    expect((files.get('responses.jsonl') as Buffer).toString('utf8')).toContain('Called back, sorted');
    expect((files.get('SCHEMA.md') as Buffer).toString('utf8')).toContain('## end_customers');

    // Nothing of the other client anywhere in the zip.
    const everything = [...files.values()].map((f) => f.toString('utf8')).join('\n');
    for (const foreign of ['bruce@example.com', 'Bruce Other', '+64215550199', 'Slow, said bruce', 'Bert Bakery', b.clientId, b.location.id]) {
      expect(everything).not.toContain(foreign);
    }

    // The record: complete, with the zip's checksum; termination finds it.
    const record = await waitFor(async () => {
      const row = await latestClientExport(hark.services.db, a.clientId);
      return row?.status === 'complete' ? row : undefined;
    });
    expect(record).toMatchObject({ id: exportId, clientId: a.clientId, clientName: 'Export Café', via: 'api', requestedBy: 'exports@hark.example', totalRows: manifest.totalRows, rowCounts: manifest.rowCounts, sha256: sha256(data), bytes: data.length });
    expect(await latestClientExport(hark.services.db, b.clientId)).toBeNull();

    // The audit file is the client's chain up to the export's start.
    const auditLines = (files.get('audit.jsonl') as Buffer).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq: number; action: string });
    expect(auditLines.at(-1)?.action).toBe('client.export_started');
    expect(auditLines.map((l) => l.seq)).toEqual(auditLines.map((_, i) => i + 1));

    // Audited in the client's chain and the operator's.
    const actions = async (chain: string) =>
      (await hark.services.db.selectFrom('audit_log').select(['action', 'actor_id', 'subject_id', 'details']).where('chain_id', '=', chain).where('subject_kind', '=', 'client_export').orderBy('seq').execute());
    const clientChain = await actions(a.clientId);
    expect(clientChain.map((e) => e.action)).toEqual(['client.export_started', 'client.exported']);
    expect(clientChain[1]).toMatchObject({ actor_id: operatorId, subject_id: exportId, details: { sha256: sha256(data), totalRows: manifest.totalRows } });
    const operatorChain = await actions('00000000-0000-0000-0000-000000000000');
    expect(operatorChain.map((e) => [e.action, e.details.clientId])).toEqual([
      ['client.export_started', a.clientId],
      ['client.exported', a.clientId],
    ]);

    // The list shows it.
    const list = await operator.get<{ id: string; status: string }[]>(`/api/v1/operator/exports?clientId=${a.clientId}`);
    expect(list.status).toBe(200);
    expect(list.body.map((e) => [e.id, e.status])).toEqual([[exportId, 'complete']]);
    const latestOverApi = await operator.get<{ id: string }>(`/api/v1/operator/clients/${a.clientId}/exports/latest`);
    expect(latestOverApi.body.id).toBe(exportId);
    expect((await operator.get(`/api/v1/operator/clients/${b.clientId}/exports/latest`)).status).toBe(404);
  });

  it('refuses bad input and other people, and records nothing for them', async () => {
    const before = await exportCount();
    const unknown = await operator.post<{ error: { message: string } }>('/api/v1/operator/clients/00000000-0000-4000-8000-000000000000/export');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('no client');
    const notUuid = await operator.post<{ error: { message: string } }>('/api/v1/operator/clients/export-cafe/export');
    expect(notUuid.status).toBe(400);
    expect(notUuid.body.error.message).toContain('clientId');
    expect((await operator.get('/api/v1/operator/exports?limit=0')).status).toBe(400);

    const owner = await signIn(hark, await createTestUser(hark.services, a.clientId, 'owner'));
    expect((await owner.post(`/api/v1/operator/clients/${a.clientId}/export`)).status).toBe(403);
    expect((await owner.get('/api/v1/operator/exports')).status).toBe(403);
    const anonymous = await hark.fetch(`/api/v1/operator/clients/${a.clientId}/export`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    // Without the CSRF token, a signed-in operator's browser is refused too.
    const cookie = [...operator.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    expect((await hark.fetch(`/api/v1/operator/clients/${a.clientId}/export`, { method: 'POST', headers: { cookie } })).status).toBe(403);
    expect(await exportCount()).toBe(before);
  });
});
