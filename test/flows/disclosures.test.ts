/**
 * Legal disclosures: an operator records an order with its scope, recipient and a second
 * operator as approver; data leaves only through the single release, which holds exactly
 * the scope and is recorded (rows per kind, SHA-256) and audited.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, testPassword, type PortalClient } from '../helpers/portal.ts';
import { waitFor } from '../helpers/wait.ts';
import { readZip } from '../helpers/zip.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

interface Disclosure {
  id: string;
  status: string;
  clientName: string;
  scope: { emails: number; mobiles: number; feedbackIds: string[]; from: string | null; to: string | null };
  recordedBy: string;
  approver: string;
  releasedBy: string | null;
  release: { rowCounts: Record<string, number>; sha256: string; bytes: number } | null;
}

describe(`legal disclosures (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let a: TestClient;
  let b: TestClient;
  let recorder: PortalClient;
  let recorderId: string;
  let approverId: string;
  let tamaFeedbackId: string;

  const order = (overrides: Record<string, unknown> = {}) => ({
    orderKind: 'production_order',
    issuer: 'Auckland District Court',
    reference: 'CRI-2026-004-001234',
    orderDate: '2026-02-27',
    recipient: 'Detective Sergeant R. Hona, NZ Police',
    approverUserId: approverId,
    scope: { clientId: a.clientId, emails: ['Aroha@Example.com'] },
    ...overrides,
  });

  beforeAll(async () => {
    hark = await startTestHark();
    a = await createTestClient(hark.services, { name: 'Ordered Café' });
    b = await createTestClient(hark.services, { name: 'Bystander Bar' });
    for (const [client, who, mobile] of [
      [a, 'aroha', '021 555 0201'],
      [a, 'tama', '021 555 0202'],
      [b, 'aroha', '021 555 0201'],
    ] as const) {
      const given = await giveFeedback(hark, `/f/${client.location.code}`, { score: '3', comment: `Visit by ${who} at ${client === a ? 'A' : 'B'}`, name: who, email: `${who}@example.com`, mobile, contact_requested: 'yes' });
      expect(given.status, given.html).toBe(200);
    }
    const tama = await hark.services.db.selectFrom('feedback').select('id').where('client_id', '=', a.clientId).where('comment', '=', 'Visit by tama at A').executeTakeFirstOrThrow();
    tamaFeedbackId = tama.id;
    recorderId = await createUser(hark.services.db, { email: 'recorder@hark.example', name: 'Rita Recorder', password: testPassword, kind: 'operator' });
    approverId = await createUser(hark.services.db, { email: 'approver@hark.example', name: 'Aaron Approver', password: testPassword, kind: 'operator' });
    recorder = await signIn(hark, { id: recorderId, email: 'recorder@hark.example', password: testPassword });
  });
  afterAll(() => hark?.close());

  async function count(table: 'disclosures' | 'audit_log'): Promise<number> {
    const where = table === 'audit_log' ? sql`where action like 'disclosure.%'` : sql``;
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} ${where}`.execute(hark.services.db);
    return rows[0]?.n ?? -1;
  }

  async function release(id: string) {
    const cookie = [...recorder.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await hark.fetch(`/api/v1/operator/disclosures/${id}/release`, { method: 'POST', headers: { cookie, 'x-csrf-token': recorder.csrfToken } });
    return { response, data: Buffer.from(await response.arrayBuffer()) };
  }

  it('records an order, lists the approvers, and shows the register without the identifiers', async () => {
    const approvers = await recorder.get<{ id: string; name: string }[]>('/api/v1/operator/disclosures/approvers');
    expect(approvers.body.map((u) => u.name)).toEqual(['Aaron Approver']);
    const recorded = await recorder.post<Disclosure>('/api/v1/operator/disclosures', order());
    expect(recorded.status).toBe(201);
    expect(recorded.body).toMatchObject({ status: 'recorded', clientName: 'Ordered Café', recordedBy: 'Rita Recorder', approver: 'Aaron Approver', scope: { emails: 1, mobiles: 0 }, release: null });
    expect(JSON.stringify(recorded.body)).not.toContain('aroha');
    const { scope_emails_enc: stored } = await hark.services.db.selectFrom('disclosures').select('scope_emails_enc').where('id', '=', recorded.body.id).executeTakeFirstOrThrow();
    expect(Buffer.concat(stored).toString('latin1')).not.toContain('aroha');
    const list = await recorder.get<Disclosure[]>('/api/v1/operator/disclosures');
    expect(list.body.map((d) => d.id)).toContain(recorded.body.id);
    expect((await recorder.get<Disclosure>(`/api/v1/operator/disclosures/${recorded.body.id}`)).body.status).toBe('recorded');
  });

  it('releases exactly the scope once, records what left and its checksum, and refuses a second release', async () => {
    const recorded = await recorder.post<Disclosure>('/api/v1/operator/disclosures', order({ reference: 'PO-release-1' }));
    const { response, data } = await release(recorded.body.id);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    const files = await readZip(data);
    const manifest = JSON.parse(files.get('manifest.json')?.toString('utf8') ?? '{}') as { scope: unknown; rowCounts: Record<string, number> };
    expect(manifest.scope).toEqual({ disclosureId: recorded.body.id });
    expect(manifest.rowCounts).toMatchObject({ end_customers: 1, feedback: 1, responses: 0 });
    // Only kinds about the people in scope: no programmes, personnel or audit.
    expect(Object.keys(manifest.rowCounts)).toEqual(['end_customers', 'feedback', 'responses', 'consents', 'prize_entries', 'sms_messages', 'cases']);
    const everything = [...files.values()].map((f) => f.toString('utf8')).join('\n');
    expect(everything).toContain('aroha@example.com');
    expect(everything).toContain('Visit by aroha at A');
    expect(everything).not.toContain('tama');
    expect(everything).not.toContain('Visit by aroha at B');

    const shown = await waitFor(async () => {
      const d = (await recorder.get<Disclosure>(`/api/v1/operator/disclosures/${recorded.body.id}`)).body;
      return d.status === 'released' ? d : undefined;
    });
    expect(shown).toMatchObject({ releasedBy: 'Rita Recorder', release: { sha256: sha256(data), bytes: data.length, rowCounts: manifest.rowCounts } });

    const before = await count('audit_log');
    const again = await recorder.post<{ error: { code: string; message: string } }>(`/api/v1/operator/disclosures/${recorded.body.id}/release`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('new disclosure');
    expect(await count('audit_log')).toBe(before);

    const audit = async (chain: string) =>
      (await hark.services.db.selectFrom('audit_log').select(['action', 'actor_id']).where('chain_id', '=', chain).where('subject_id', '=', recorded.body.id).orderBy('seq').execute()).map((e) => e.action);
    const expected = ['disclosure.recorded', 'disclosure.release_started', 'disclosure.released'];
    expect(await audit(a.clientId)).toEqual(expected);
    expect(await audit('00000000-0000-0000-0000-000000000000')).toEqual(expected);
    expect(await audit(b.clientId)).toEqual([]);
  });

  it('restricts by feedback ids and date range', async () => {
    const byId = await recorder.post<Disclosure>('/api/v1/operator/disclosures', order({ orderKind: 'warrant', reference: 'W-2', scope: { clientId: a.clientId, feedbackIds: [tamaFeedbackId] } }));
    expect(byId.status).toBe(201);
    const files = await readZip((await release(byId.body.id)).data);
    const people = (files.get('end_customers.jsonl') as Buffer).toString('utf8');
    expect(people).toContain('tama@example.com');
    expect(people).not.toContain('aroha');

    const future = await recorder.post<Disclosure>('/api/v1/operator/disclosures', order({ orderKind: 'subpoena', reference: 'S-3', scope: { clientId: a.clientId, from: '2099-01-01T00:00:00Z' } }));
    const empty = await readZip((await release(future.body.id)).data);
    const manifest = JSON.parse(empty.get('manifest.json')?.toString('utf8') ?? '{}') as { totalRows: number };
    expect(manifest.totalRows).toBe(0);
    // Each release is recorded once its zip has left.
    for (const id of [byId.body.id, future.body.id]) {
      const done = await waitFor(async () => {
        const d = (await recorder.get<Disclosure>(`/api/v1/operator/disclosures/${id}`)).body;
        return d.status === 'released' ? d : undefined;
      });
      expect(done.release?.rowCounts.feedback).toBe(id === byId.body.id ? 1 : 0);
    }
  });

  it('refuses bad input with a message naming the field, and changes nothing', async () => {
    const disclosures = await count('disclosures');
    const audit = await count('audit_log');
    const missing = await recorder.post<{ error: { message: string } }>('/api/v1/operator/disclosures', { orderKind: 'warrant', scope: { clientId: a.clientId, emails: ['x@example.com'] } });
    expect(missing.status).toBe(400);
    for (const field of ['issuer', 'reference', 'orderDate', 'recipient', 'approverUserId']) expect(missing.body.error.message).toContain(field);

    const cases: [Record<string, unknown>, string][] = [
      [{ orderKind: 'letter' }, 'orderKind'],
      [{ orderDate: '27/02/2026' }, 'orderDate'],
      [{ scope: { clientId: '00000000-0000-4000-8000-000000000000', emails: ['x@example.com'] } }, 'no client'],
      [{ scope: { clientId: a.clientId } }, 'at least one'],
      [{ scope: { clientId: a.clientId, from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' } }, 'from'],
      [{ scope: { clientId: a.clientId, mobiles: ['12'] } }, 'mobile'],
      [{ scope: { clientId: a.clientId, emails: ['not an email'] } }, 'emails'],
      [{ approverUserId: recorderId }, 'another operator'],
      [{ approverUserId: '00000000-0000-4000-8000-000000000000' }, 'active operator'],
    ];
    for (const [change, words] of cases) {
      const refused = await recorder.post<{ error: { message: string } }>('/api/v1/operator/disclosures', order(change));
      expect(refused.status, JSON.stringify(change)).toBe(400);
      expect(refused.body.error.message, JSON.stringify(change)).toContain(words);
    }
    // A personnel account as approver is refused as well.
    const staff = await createTestUser(hark.services, a.clientId, 'owner');
    expect((await recorder.post('/api/v1/operator/disclosures', order({ approverUserId: staff.id }))).status).toBe(400);

    // A release with no register entry: 404; not an id: 400.
    const unknown = await recorder.post<{ error: { message: string } }>('/api/v1/operator/disclosures/00000000-0000-4000-8000-000000000000/release');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('Record the order first');
    expect((await recorder.post('/api/v1/operator/disclosures/nope/release')).status).toBe(400);
    expect((await recorder.get('/api/v1/operator/disclosures/00000000-0000-4000-8000-000000000000')).status).toBe(404);

    // Personnel and strangers are refused every route.
    const owner = await signIn(hark, staff);
    expect((await owner.get('/api/v1/operator/disclosures')).status).toBe(403);
    expect((await owner.post('/api/v1/operator/disclosures', order())).status).toBe(403);
    expect((await hark.fetch('/api/v1/operator/disclosures')).status).toBe(401);

    expect(await count('disclosures')).toBe(disclosures);
    expect(await count('audit_log')).toBe(audit);
  });
});
