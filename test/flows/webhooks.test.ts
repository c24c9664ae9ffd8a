/**
 * Webhooks over real HTTP, to a real receiver started here: endpoints managed in settings,
 * deliveries signed as Standard Webhooks says (verified with the `standardwebhooks`
 * package), retried with backoff until accepted once, endpoints that keep failing disabled
 * (their admins told by email) and enabled again, and replay of a past delivery.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, type PortalClient, type TestUser } from '../helpers/portal.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { waitFor } from '../helpers/wait.ts';
import { startWebhookReceiver, type ReceivedHook, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

interface Endpoint {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  disabledAt: string | null;
  consecutiveFailures: number;
}
interface Delivery {
  id: string;
  eventType: string;
  messageId: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  nextAttemptAt: string | null;
  payload: string;
}
interface Event {
  type: string;
  timestamp: string;
  data: { id: string; score?: number; channel?: string; comment?: string; feedbackId?: string };
}

describe(`webhooks (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let smtp: TestSmtpServer;
  let receiver: WebhookReceiver;
  let client: TestClient;
  let other: TestClient;
  let owner: TestUser;
  let admin: PortalClient;

  async function addEndpoint(path: string, events: string[]): Promise<{ endpoint: Endpoint; secret: string }> {
    const made = await admin.post<{ endpoint: Endpoint; secret: string }>('/api/v1/webhooks/endpoints', { url: `${receiver.url}${path}`, events, description: path });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    return made.body;
  }

  async function deliveriesOf(endpointId: string): Promise<Delivery[]> {
    const response = await admin.get<Delivery[]>(`/api/v1/webhooks/endpoints/${endpointId}/deliveries`);
    expect(response.status).toBe(200);
    return response.body;
  }

  const at = (path: string): ReceivedHook[] => receiver.received.filter((r) => r.path === path);

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    receiver = await startWebhookReceiver();
    hark = await startTestHark({
      env: {
        SMTP_URL: smtp.url,
        HARK_WEBHOOK_ALLOW_PRIVATE: 'true',
        HARK_WEBHOOK_POLL_SECONDS: '0.1',
        HARK_WEBHOOK_RETRY_BASE_SECONDS: '0.2',
        HARK_WEBHOOK_DISABLE_AFTER_FAILURES: '3',
        HARK_WEBHOOK_DISABLE_AFTER_MINUTES: '0',
      },
    });
    client = await createTestClient(hark.services, { name: 'Hooked Café' });
    other = await createTestClient(hark.services, { name: 'Other Café' });
    owner = await createTestUser(hark.services, client.clientId, 'owner');
    admin = await signIn(hark, owner);
  });
  afterAll(async () => {
    await hark?.close();
    await receiver?.close();
    await smtp?.close();
  });

  it('signs a new feedback’s delivery so that the package’s Webhook.verify accepts it', async () => {
    const { endpoint, secret } = await addEndpoint('/signed', ['feedback.created']);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const stored = await hark.services.db.selectFrom('webhook_endpoints').select('secret_enc').where('id', '=', endpoint.id).executeTakeFirstOrThrow();
    expect(stored.secret_enc.toString('latin1')).not.toContain(secret.slice(6));
    expect(JSON.stringify((await admin.get('/api/v1/webhooks/endpoints')).body)).not.toContain(secret.slice(6));

    expect((await giveFeedback(hark, `/f/${client.location.code}`, { score: '4', comment: 'Signed and sealed' })).status).toBe(200);
    const hook = await waitFor(async () => at('/signed')[0], { what: 'a delivery at /signed' });
    const event = new Webhook(secret).verify(hook.body, hook.headers) as Event;
    expect(event.type).toBe('feedback.created');
    expect(event.data.comment).toBe('Signed and sealed');
    expect(event.data.channel).toBe('web');
    const feedback = await hark.services.db.selectFrom('feedback').select('id').where('client_id', '=', client.clientId).where('comment', '=', 'Signed and sealed').executeTakeFirstOrThrow();
    expect(event.data.id).toBe(feedback.id);
    // A tampered body or another secret does not verify.
    expect(() => new Webhook(secret).verify(hook.body.replace('sealed', 'forged'), hook.headers)).toThrow();
    expect(() => new Webhook(`whsec_${Buffer.alloc(24, 1).toString('base64')}`).verify(hook.body, hook.headers)).toThrow();

    const [delivery] = await waitFor(async () => {
      const list = await deliveriesOf(endpoint.id);
      return list[0]?.status === 'succeeded' ? list : undefined;
    });
    expect(delivery).toMatchObject({ eventType: 'feedback.created', attempts: 1, lastStatusCode: 200, messageId: hook.headers['webhook-id'] });
  });

  it('retries a receiver that answers 500 until it accepts, once per event, with the same webhook-id', async () => {
    const { endpoint, secret } = await addEndpoint('/flaky', ['feedback.created']);
    receiver.answer('/flaky', [500, 503]);
    await giveFeedback(hark, `/f/${client.location.code}`, { score: '5', comment: 'Third time lucky' });
    const delivered = await waitFor(
      async () => {
        const list = await deliveriesOf(endpoint.id);
        return list[0]?.status === 'succeeded' ? list[0] : undefined;
      },
      { what: 'the flaky delivery to succeed' },
    );
    expect(delivered.attempts).toBe(3);
    const hooks = at('/flaky');
    expect(hooks.map((h) => h.answeredWith)).toEqual([500, 503, 200]);
    expect(new Set(hooks.map((h) => h.headers['webhook-id'])).size).toBe(1);
    for (const hook of hooks) expect((new Webhook(secret).verify(hook.body, hook.headers) as Event).data.comment).toBe('Third time lucky');
    // Backoff: the first retry after at least 0.2 s, the second after at least 0.4 s more.
    const [t0, t1, t2] = hooks.map((h) => h.receivedAt) as [number, number, number];
    expect(t1 - t0).toBeGreaterThanOrEqual(190);
    expect(t2 - t1).toBeGreaterThanOrEqual(390);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(at('/flaky').filter((h) => h.answeredWith === 200)).toHaveLength(1);
  });

  it('disables an endpoint after repeated failures, tells its admins, and catches up once enabled again', async () => {
    const { endpoint } = await addEndpoint('/down', ['feedback.created']);
    receiver.always('/down', 500);
    await giveFeedback(hark, `/f/${client.location.code}`, { score: '3', comment: 'Nobody home' });
    const disabled = await waitFor(
      async () => {
        const list = (await admin.get<Endpoint[]>('/api/v1/webhooks/endpoints')).body;
        const found = list.find((e) => e.id === endpoint.id);
        return found && !found.enabled ? found : undefined;
      },
      { what: 'the endpoint to be disabled' },
    );
    expect(disabled.disabledAt).not.toBeNull();
    expect(disabled.consecutiveFailures).toBe(3);
    const mail = await smtp.waitForMail(owner.email, (m) => m.subject.includes('disabled a webhook endpoint'));
    expect(mail.text).toContain('/portal/settings/webhooks');
    // Disabled: nothing more is sent.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(at('/down')).toHaveLength(3);
    const [pending] = await deliveriesOf(endpoint.id);
    expect(pending?.status).toBe('pending');
    expect(pending?.nextAttemptAt).not.toBeNull();

    receiver.always('/down', 200);
    const enabled = await admin.patch<Endpoint>(`/api/v1/webhooks/endpoints/${endpoint.id}`, { enabled: true });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ enabled: true, consecutiveFailures: 0, disabledAt: null });
    await waitFor(async () => ((await deliveriesOf(endpoint.id))[0]?.status === 'succeeded' ? true : undefined), { what: 'the held delivery after enabling' });
    expect(at('/down').filter((h) => h.answeredWith === 200)).toHaveLength(1);
  });

  it('replays a past delivery: the same payload and webhook-id, as a new attempt', async () => {
    const endpoints = (await admin.get<Endpoint[]>('/api/v1/webhooks/endpoints')).body;
    const signed = endpoints.find((e) => e.url.endsWith('/signed')) as Endpoint;
    const [first] = await deliveriesOf(signed.id);
    const before = at('/signed').length;
    const replay = await admin.post<Delivery>(`/api/v1/webhooks/endpoints/${signed.id}/deliveries/${first?.id}/replay`);
    expect(replay.status).toBe(200);
    const again = await waitFor(async () => at('/signed')[before], { what: 'the replayed delivery' });
    const original = at('/signed').find((h) => h.headers['webhook-id'] === first?.messageId) as ReceivedHook;
    expect(again.body).toBe(original.body);
    expect(again.headers['webhook-id']).toBe(original.headers['webhook-id']);
    const after = await waitFor(async () => {
      const list = await deliveriesOf(signed.id);
      const found = list.find((d) => d.id === first?.id);
      return found?.status === 'succeeded' && found.attempts === (first?.attempts ?? 0) + 1 ? found : undefined;
    });
    expect(after.payload).toBe(first?.payload);
  });

  it('sends case events to endpoints that ask for them', async () => {
    const { secret } = await addEndpoint('/cases', ['case.opened']);
    await giveFeedback(hark, `/f/${client.location.code}`, { score: '1', comment: 'Cold and late' });
    const hook = await waitFor(async () => at('/cases')[0], { what: 'a case.opened delivery' });
    const event = new Webhook(secret).verify(hook.body, hook.headers) as Event;
    expect(event.type).toBe('case.opened');
    const feedback = await hark.services.db.selectFrom('feedback').select('id').where('client_id', '=', client.clientId).where('comment', '=', 'Cold and late').executeTakeFirstOrThrow();
    expect(event.data.feedbackId).toBe(feedback.id);
  });

  it('refuses bad endpoints with a message and stores nothing', async () => {
    const count = async () => (await admin.get<Endpoint[]>('/api/v1/webhooks/endpoints')).body.length;
    const before = await count();
    const cases: [unknown, RegExp][] = [
      [{ url: 'ftp://example.com/hook', events: ['feedback.created'] }, /must start with https/],
      [{ url: 'not a url', events: ['feedback.created'] }, /not valid/],
      [{ url: 'https://user:pw@example.com/hook', events: ['feedback.created'] }, /user name or password/],
      [{ url: 'https://example.com/hook', events: ['feedback.deleted'] }, /Events are/],
      [{ url: 'https://example.com/hook', events: [] }, /at least one event/],
      [{ url: 'https://example.com/hook', events: ['feedback.created'], secret: 'mine' }, /not valid/],
    ];
    for (const [body, message] of cases) {
      const response = await admin.post<{ error: { message: string } }>('/api/v1/webhooks/endpoints', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.message).toMatch(message);
    }
    const disable = await admin.patch<{ error: { message: string } }>(`/api/v1/webhooks/endpoints/${(await admin.get<Endpoint[]>('/api/v1/webhooks/endpoints')).body[0]?.id}`, { enabled: false });
    expect(disable.status).toBe(400);
    expect(await count()).toBe(before);
  });

  it('keeps endpoints and deliveries to their client, and to admins', async () => {
    const endpoints = (await admin.get<Endpoint[]>('/api/v1/webhooks/endpoints')).body;
    const target = endpoints[0] as Endpoint;
    const otherAdmin = await signIn(hark, await createTestUser(hark.services, other.clientId, 'admin'));
    expect((await otherAdmin.get<Endpoint[]>('/api/v1/webhooks/endpoints')).body).toEqual([]);
    expect((await otherAdmin.get(`/api/v1/webhooks/endpoints/${target.id}/deliveries`)).status).toBe(404);
    expect((await otherAdmin.delete(`/api/v1/webhooks/endpoints/${target.id}`)).status).toBe(404);
    const manager = await signIn(hark, await createTestUser(hark.services, client.clientId, 'manager'));
    expect((await manager.get('/api/v1/webhooks/endpoints')).status).toBe(403);
  });
});

describe(`webhook endpoint addresses (${testDatabaseKind})`, () => {
  let hark: TestHark;
  afterAll(() => hark?.close());

  it('refuses loopback and private addresses unless the installation allows them', async () => {
    hark = await startTestHark();
    const client = await createTestClient(hark.services);
    const admin = await signIn(hark, await createTestUser(hark.services, client.clientId, 'admin'));
    for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'https://10.1.2.3/hook', 'https://192.168.1.1/hook', 'https://169.254.169.254/latest', 'https://[::1]/hook', 'https://[fd00::1]/hook']) {
      const response = await admin.post<{ error: { message: string } }>('/api/v1/webhooks/endpoints', { url, events: ['feedback.created'] });
      expect(response.status, url).toBe(400);
      expect(response.body.error.message).toMatch(/private and internal addresses are refused/);
    }
    expect((await admin.get<unknown[]>('/api/v1/webhooks/endpoints')).body).toEqual([]);
    const ok = await admin.post('/api/v1/webhooks/endpoints', { url: 'https://hooks.example.com/hark', events: ['feedback.created'] });
    expect(ok.status).toBe(201);
  });
});
