/**
 * Reply templates through the API as admins manage them: create, edit, archive; bad input
 * answered with a message that names the problem and nothing stored; roles that may not
 * manage settings refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, type PortalClient } from '../helpers/portal.ts';

interface Template {
  id: string;
  name: string;
  scoreBand: string;
  subject: string;
  body: string;
}

describe(`reply templates (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let client: TestClient;
  let admin: PortalClient;

  beforeAll(async () => {
    hark = await startTestHark();
    client = await createTestClient(hark.services);
    admin = await signIn(hark, await createTestUser(hark.services, client.clientId, 'admin'));
  });
  afterAll(() => hark?.close());

  const stored = () => hark.services.db.selectFrom('response_templates').select(['name', 'archived_at']).where('client_id', '=', client.clientId).execute();

  it('starts a new client with a template for each score band', async () => {
    const list = await admin.get<Template[]>('/api/v1/response-templates');
    expect(list.body.map((t) => t.scoreBand).sort()).toEqual(['high', 'low', 'middle']);
  });

  it('creates, edits and archives a template, each change audited', async () => {
    const created = await admin.post<Template>('/api/v1/response-templates', { name: 'Wait time', scoreBand: 'low', subject: 'Sorry for the wait', body: 'Kia ora {customer_name}, …' });
    expect(created.status).toBe(201);
    const edited = await admin.patch<Template>(`/api/v1/response-templates/${created.body.id}`, { subject: 'Sorry about the wait' });
    expect(edited.body).toMatchObject({ name: 'Wait time', subject: 'Sorry about the wait' });
    expect((await admin.delete(`/api/v1/response-templates/${created.body.id}`)).status).toBe(200);
    expect((await admin.get<Template[]>('/api/v1/response-templates')).body.map((t) => t.name)).not.toContain('Wait time');
    expect((await admin.patch(`/api/v1/response-templates/${created.body.id}`, { subject: 'x' })).status).toBe(404);
    const actions = await hark.services.db.selectFrom('audit_log').select('action').where('chain_id', '=', client.clientId).where('subject_id', '=', created.body.id).orderBy('seq').execute();
    expect(actions.map((a) => a.action)).toEqual(['response_template.created', 'response_template.updated', 'response_template.archived']);
  });

  it('answers bad templates with a message naming the problem, and stores nothing', async () => {
    const before = await stored();
    const bad: [unknown, string][] = [
      [{ name: '', scoreBand: 'low', subject: 'x', body: 'x' }, 'name'],
      [{ name: 'x', scoreBand: 'awful', subject: 'x', body: 'x' }, 'scoreBand'],
      [{ name: 'x', scoreBand: 'low', subject: '   ', body: 'x' }, 'subject'],
      [{ name: 'x', scoreBand: 'low', subject: 'x', body: 'x'.repeat(5001) }, 'body'],
      [{ name: 'x', scoreBand: 'low', subject: 'x' }, 'body'],
    ];
    for (const [body, field] of bad) {
      const response = await admin.post<{ error: { code: string; message: string } }>('/api/v1/response-templates', body);
      expect(response.status, field).toBe(400);
      expect(response.body.error.message, field).toContain(field);
    }
    expect((await admin.patch('/api/v1/response-templates/not-a-uuid', { name: 'x' })).status).toBe(400);
    expect(await stored()).toEqual(before);
  });

  it('lets managers read templates but not change them', async () => {
    const manager = await signIn(hark, await createTestUser(hark.services, client.clientId, 'manager'));
    expect((await manager.get<Template[]>('/api/v1/response-templates')).status).toBe(200);
    const before = await stored();
    expect((await manager.post('/api/v1/response-templates', { name: 'x', scoreBand: 'any', subject: 'x', body: 'x' })).status).toBe(403);
    const [first] = (await manager.get<Template[]>('/api/v1/response-templates')).body;
    expect((await manager.patch(`/api/v1/response-templates/${first?.id}`, { name: 'renamed' })).status).toBe(403);
    expect((await manager.delete(`/api/v1/response-templates/${first?.id}`)).status).toBe(403);
    expect(await stored()).toEqual(before);
  });
});
