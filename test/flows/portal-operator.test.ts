/**
 * Operator staff: a separate kind of account with no membership. They see a client's
 * feedback only after opening the client with a reason, read-only and without contact
 * details, and every look is in that client's audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { signIn, testPassword, type PortalClient } from '../helpers/portal.ts';

describe(`operator access (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let client: TestClient;
  let operator: PortalClient;
  let operatorId: string;

  beforeAll(async () => {
    hark = await startTestHark();
    client = await createTestClient(hark.services, { name: 'Audited Café' });
    await giveFeedback(hark, `/f/${client.location.code}`, { score: '2', comment: 'Slow service', name: 'Mere', email: 'mere@example.com' });
    operatorId = await createUser(hark.services.db, { email: 'ops@hark.example', name: 'Ops Person', password: testPassword, kind: 'operator' });
    operator = await signIn(hark, { id: operatorId, email: 'ops@hark.example', password: testPassword });
  });
  afterAll(() => hark?.close());

  async function auditActions() {
    const rows = await hark.services.db.selectFrom('audit_log').select(['action', 'actor_kind', 'actor_id', 'details']).where('chain_id', '=', client.clientId).where('actor_kind', '=', 'operator').orderBy('seq').execute();
    return rows;
  }

  it('sees no client’s feedback until it opens the client', async () => {
    expect((await operator.get('/api/v1/feedback')).status).toBe(409);
    const clients = await operator.get<{ id: string; name: string }[]>('/api/v1/operator/clients');
    expect(clients.body.map((c) => c.name)).toContain('Audited Café');
    expect(await auditActions()).toEqual([]);
  });

  it('must give a reason, which goes into the client’s audit log', async () => {
    const noReason = await operator.post<{ error: { message: string } }>(`/api/v1/operator/clients/${client.clientId}/open`, { reason: 'look' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.message).toContain('say why');
    const opened = await operator.post<{ activeClientId: string; permissions: string[] }>(`/api/v1/operator/clients/${client.clientId}/open`, { reason: 'Client asked for help with a complaint (ticket 4411)' });
    expect(opened.status).toBe(200);
    expect(opened.body.activeClientId).toBe(client.clientId);
    expect(opened.body.permissions).toEqual(['feedback.read']);
    const [entry] = await auditActions();
    expect(entry).toMatchObject({ action: 'operator.client_opened', actor_id: operatorId, details: { reason: 'Client asked for help with a complaint (ticket 4411)' } });
  });

  it('then reads feedback without contact details, each read audited, and changes nothing', async () => {
    const inbox = await operator.get<{ items: { id: string }[] }>('/api/v1/feedback');
    expect(inbox.status).toBe(200);
    const id = inbox.body.items[0]?.id ?? '';
    const detail = await operator.get<{ contact: unknown; contactHidden: boolean }>(`/api/v1/feedback/${id}`);
    expect(detail.body.contact).toBeNull();
    expect(detail.body.contactHidden).toBe(true);
    expect(JSON.stringify(detail.body)).not.toContain('mere@example.com');
    expect((await operator.patch(`/api/v1/feedback/${id}`, { status: 'resolved' })).status).toBe(403);
    expect((await operator.post(`/api/v1/feedback/${id}/responses`, { kind: 'note', body: 'x' })).status).toBe(403);
    const actions = (await auditActions()).map((a) => a.action);
    expect(actions).toEqual(['operator.client_opened', 'operator.inbox_listed', 'operator.feedback_read']);
  });

  it('is refused the operator routes as a client’s personnel', async () => {
    const { createTestUser } = await import('../helpers/portal.ts');
    const owner = await signIn(hark, await createTestUser(hark.services, client.clientId, 'owner'));
    expect((await owner.get('/api/v1/operator/clients')).status).toBe(403);
    expect((await owner.post(`/api/v1/operator/clients/${client.clientId}/open`, { reason: 'I would like to look please' })).status).toBe(403);
  });
});
