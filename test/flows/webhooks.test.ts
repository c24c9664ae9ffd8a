/**
 * Webhooks over real HTTP, to a real receiver started here: endpoints managed in settings,
 * deliveries signed as Standard Webhooks says (verified with the `standardwebhooks`
 * package), retried with backoff until accepted once, endpoints that keep failing disabled
 * (their admins told by email) and enabled again, replay of a past delivery, the log of
 * each attempt, all six events (from the web form, the inbox, a reply, a case and an SMS
 * STOP), contact details only where allowed, and the delivery counters at /metrics.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_LOG_DAYS, pruneDeliveryLog } from '../../src/webhooks/dispatcher.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, type PortalClient, type TestUser } from '../helpers/portal.ts';
import { enableSms, randomMobile, startSmsTestHark, TestPhone, type SmsTestClient, type SmsTestHark } from '../helpers/sms.ts';
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
  includeContact: boolean;
}
interface Attempt {
  attempt: number;
  startedAt: string;
  durationMs: number;
  outcome: string;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
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

const allEvents = ['feedback.created', 'feedback.updated', 'case.opened', 'case.resolved', 'response.sent', 'optout.created'] as const;

/** The value of the sample of `name` whose labels include all of `labels` (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(match[3]);
  }
  return 0;
}

describe(`webhooks (${testDatabaseKind})`, () => {
  let sms: SmsTestHark;
  let hark: TestHark;
  let numbers: SmsTestClient;
  let metricsAtStart: string;
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

  async function attemptsOf(endpointId: string, deliveryId: string): Promise<Attempt[]> {
    const response = await admin.get<Attempt[]>(`/api/v1/webhooks/endpoints/${endpointId}/deliveries/${deliveryId}/attempts`);
    expect(response.status).toBe(200);
    return response.body;
  }

  /** Waits until the endpoint has `count` deliveries, every one accepted. */
  async function allSucceeded(endpointId: string, count: number): Promise<Delivery[]> {
    return waitFor(
      async () => {
        const list = await deliveriesOf(endpointId);
        return list.length === count && list.every((d) => d.status === 'succeeded') ? list : undefined;
      },
      { what: `${count} accepted deliveries` },
    );
  }

  const at = (path: string): ReceivedHook[] => receiver.received.filter((r) => r.path === path);
  const metrics = async () => (await hark.fetch('/metrics')).text();
  const feedbackWithComment = (comment: string) =>
    hark.services.db.selectFrom('feedback').select(['id', 'end_customer_id']).where('client_id', '=', client.clientId).where('comment', '=', comment).executeTakeFirstOrThrow();

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    receiver = await startWebhookReceiver();
    sms = await startSmsTestHark({
      SMTP_URL: smtp.url,
      HARK_WEBHOOK_ALLOW_PRIVATE: 'true',
      HARK_WEBHOOK_POLL_SECONDS: '0.1',
      HARK_WEBHOOK_RETRY_BASE_SECONDS: '0.2',
      HARK_WEBHOOK_DISABLE_AFTER_FAILURES: '3',
      HARK_WEBHOOK_DISABLE_AFTER_MINUTES: '0',
    });
    hark = sms.hark;
    metricsAtStart = await metrics();
    client = await createTestClient(hark.services, { name: 'Hooked Café' });
    numbers = await enableSms(hark.services, client);
    other = await createTestClient(hark.services, { name: 'Other Café' });
    owner = await createTestUser(hark.services, client.clientId, 'owner');
    admin = await signIn(hark, owner);
  });
  afterAll(async () => {
    await sms?.close();
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

    // Each attempt is in the delivery's log: when, how long, the answer and its start.
    const attempts = await attemptsOf(endpoint.id, delivered.id);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.statusCode, a.responseExcerpt])).toEqual([
      [1, 'http_status', 500, 'no'],
      [2, 'http_status', 503, 'no'],
      [3, 'delivered', 200, 'ok'],
    ]);
    expect(attempts[0]?.error).toBe('The receiver answered 500.');
    for (const a of attempts) expect(a.durationMs).toBeGreaterThanOrEqual(0);
    expect(new Date(attempts[2]?.startedAt ?? 0).getTime()).toBeGreaterThan(new Date(attempts[0]?.startedAt ?? 0).getTime());
    // Only the client's admins read it: another client's id, or a delivery of another endpoint, is not found.
    const stranger = await admin.get(`/api/v1/webhooks/endpoints/${endpoint.id}/deliveries/${crypto.randomUUID()}/attempts`);
    expect(stranger.status).toBe(404);
  });

  it('logs why no answer came: a refused connection', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const made = await admin.post<{ endpoint: Endpoint }>('/api/v1/webhooks/endpoints', { url: `http://127.0.0.1:${port}/nobody`, events: ['feedback.created'] });
    expect(made.status).toBe(201);
    await giveFeedback(hark, `/f/${client.location.code}`, { score: '4', comment: 'Knock knock' });
    const [delivery] = await deliveriesOf(made.body.endpoint.id);
    const [first] = await waitFor(async () => {
      const list = await attemptsOf(made.body.endpoint.id, delivery?.id ?? '');
      return list.length ? list : undefined;
    });
    expect(first).toMatchObject({ attempt: 1, outcome: 'connection_refused', statusCode: null, responseExcerpt: null });
    expect(first?.error).toMatch(/ECONNREFUSED/);
    expect((await admin.delete(`/api/v1/webhooks/endpoints/${made.body.endpoint.id}`)).status).toBe(200);
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
    expect((await attemptsOf(signed.id, after.id)).map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'delivered'],
      [2, 'delivered'],
    ]);
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

  it('delivers all six events, each accepted exactly once by a receiver that verifies signatures and fails the first two attempts', async () => {
    const endpoints = new Map<string, string>();
    for (const event of allEvents) {
      const { endpoint, secret } = await addEndpoint(`/every/${event}`, [event]);
      receiver.strict(`/every/${event}`, { secret, failFirstAttempts: 2 });
      endpoints.set(event, endpoint.id);
    }
    const endpointOf = (event: (typeof allEvents)[number]) => endpoints.get(event) as string;
    const mobile = randomMobile();
    // A low score with contact details: feedback.created, and a case opened.
    await giveFeedback(hark, `/f/${client.location.code}`, { score: '1', comment: 'Every event', email: 'every@example.com', mobile });
    const feedback = await feedbackWithComment('Every event');
    await allSucceeded(endpointOf('feedback.created'), 1);
    await allSucceeded(endpointOf('case.opened'), 1);
    // Called a complaint in the inbox: feedback.updated.
    expect((await admin.patch(`/api/v1/feedback/${feedback.id}`, { category: 'complaint' })).status).toBe(200);
    await allSucceeded(endpointOf('feedback.updated'), 1);
    // A reply by email, sent by its job: response.sent (and the feedback is in progress: feedback.updated).
    expect((await admin.post(`/api/v1/feedback/${feedback.id}/responses`, { kind: 'email', subject: 'Sorry', body: 'We are sorry about that.' })).status).toBe(201);
    await smtp.waitForMail('every@example.com');
    await allSucceeded(endpointOf('response.sent'), 1);
    await allSucceeded(endpointOf('feedback.updated'), 2);
    // The case resolved: case.resolved, and feedback.updated (resolved, with its case).
    const theCase = await admin.get<{ id: string }>(`/api/v1/feedback/${feedback.id}/case`);
    expect((await admin.post(`/api/v1/cases/${theCase.body.id}/resolve`, { resolutionCode: 'apologised', note: 'Rang them' })).status).toBe(200);
    await allSucceeded(endpointOf('case.resolved'), 1);
    await allSucceeded(endpointOf('feedback.updated'), 3);
    // The customer texts STOP: optout.created.
    expect(await new TestPhone(sms, numbers.number, mobile).ask('STOP')).toMatch(/no more texts/);
    await allSucceeded(endpointOf('optout.created'), 1);

    for (const event of allEvents) {
      const hooks = at(`/every/${event}`);
      expect(hooks.every((h) => h.verified && h.event?.type === event), event).toBe(true);
      const byMessage = new Map<string, ReceivedHook[]>();
      for (const hook of hooks) byMessage.set(hook.headers['webhook-id'] ?? '', [...(byMessage.get(hook.headers['webhook-id'] ?? '') ?? []), hook]);
      for (const [id, attempts] of byMessage) expect(attempts.map((h) => h.answeredWith), `${event} ${id}`).toEqual([500, 500, 200]);
      const deliveries = await deliveriesOf(endpointOf(event));
      expect(deliveries.map((d) => d.attempts)).toEqual(deliveries.map(() => 3));
      expect([...byMessage.keys()].sort()).toEqual(deliveries.map((d) => d.messageId).sort());
    }
    const accepted = (event: string) => at(`/every/${event}`).filter((h) => h.answeredWith === 200).map((h) => h.event?.data as Record<string, unknown>);
    expect(accepted('feedback.created')).toMatchObject([{ id: feedback.id, score: 1, channel: 'web', comment: 'Every event' }]);
    expect(accepted('case.opened')).toMatchObject([{ id: theCase.body.id, feedbackId: feedback.id }]);
    expect(accepted('feedback.updated')).toMatchObject([
      { id: feedback.id, changes: ['category'], category: 'complaint', status: 'new' },
      { id: feedback.id, changes: ['status'], status: 'in_progress' },
      { id: feedback.id, changes: ['case_status', 'status'], status: 'resolved', case: { id: theCase.body.id, status: 'resolved' } },
    ]);
    expect(accepted('response.sent')).toMatchObject([{ feedbackId: feedback.id, kind: 'email', body: 'We are sorry about that.' }]);
    expect(accepted('case.resolved')).toMatchObject([{ id: theCase.body.id, resolutionCode: 'apologised' }]);
    expect(accepted('optout.created')).toMatchObject([{ channel: 'sms', source: 'stop' }]);
    // Without leave to, no payload carries the customer's address or number.
    for (const event of allEvents) for (const hook of at(`/every/${event}`)) expect(hook.body).not.toMatch(/every@example\.com|\+6421/);
  });

  it('sends contact details only to an endpoint allowed them, read as it sends, never kept in the log', async () => {
    const keyFor = async (scopes: string[]) => (await admin.post<{ key: string }>('/api/v1/api-keys', { name: scopes.join(' '), scopes })).body.key;
    const postAs = (key: string, body: unknown) =>
      hark.fetch('/api/v1/webhooks/endpoints', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const events = ['feedback.created', 'optout.created'];
    const refused = await postAs(await keyFor(['settings:manage']), { url: `${receiver.url}/with-contact`, events, includeContact: true });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/contact details/);
    const allowed = await postAs(await keyFor(['settings:manage', 'contact:read']), { url: `${receiver.url}/with-contact`, events, includeContact: true });
    expect(allowed.status).toBe(201);
    const withContact = (await allowed.json()) as { endpoint: Endpoint; secret: string };
    expect(withContact.endpoint.includeContact).toBe(true);
    const without = await addEndpoint('/without-contact', events);
    expect(without.endpoint.includeContact).toBe(false);
    receiver.strict('/with-contact', { secret: withContact.secret });
    receiver.strict('/without-contact', { secret: without.secret });

    const mobile = randomMobile();
    await giveFeedback(hark, `/f/${client.location.code}`, { score: '3', comment: 'Call me maybe', name: 'Tui Ngata', email: 'tui@example.com', mobile });
    expect(await new TestPhone(sms, numbers.number, mobile).ask('STOP')).toMatch(/no more texts/);
    await allSucceeded(withContact.endpoint.id, 2);
    await allSucceeded(without.endpoint.id, 2);

    const dataAt = (path: string, type: string) => at(path).find((h) => h.event?.type === type)?.event?.data;
    expect(dataAt('/with-contact', 'feedback.created')).toMatchObject({ comment: 'Call me maybe', contact: { name: 'Tui Ngata', email: 'tui@example.com', mobile } });
    expect(dataAt('/with-contact', 'optout.created')).toMatchObject({ source: 'stop', contact: { name: null, email: null, mobile } });
    expect(dataAt('/without-contact', 'feedback.created')).toMatchObject({ comment: 'Call me maybe' });
    for (const hook of at('/without-contact')) {
      expect(hook.event?.data).not.toHaveProperty('contact');
      expect(hook.body).not.toContain('tui@example.com');
      expect(hook.body).not.toContain(mobile);
    }
    // The outbox and the delivery log hold no copy: details are added as each attempt is sent.
    for (const delivery of await deliveriesOf(withContact.endpoint.id)) {
      expect(delivery.payload).not.toContain('tui@example.com');
      expect(delivery.payload).not.toContain(mobile);
    }
    const stored = await hark.services.db.selectFrom('webhook_deliveries').select('payload').where('client_id', '=', client.clientId).execute();
    expect(stored.some((d) => d.payload.includes('tui@example.com') || d.payload.includes(mobile))).toBe(false);

    // Ticking and unticking it is on the record, by whoever did it.
    expect((await admin.patch<Endpoint>(`/api/v1/webhooks/endpoints/${withContact.endpoint.id}`, { includeContact: false })).body.includeContact).toBe(false);
    const audit = await hark.services.db
      .selectFrom('audit_log')
      .select(['action', 'actor_kind'])
      .where('chain_id', '=', client.clientId)
      .where('subject_id', '=', withContact.endpoint.id)
      .where('action', 'like', 'webhook_endpoint.contact_%')
      .orderBy('seq')
      .execute();
    expect(audit).toEqual([
      { action: 'webhook_endpoint.contact_included', actor_kind: 'api_key' },
      { action: 'webhook_endpoint.contact_excluded', actor_kind: 'user' },
    ]);
  });

  it('counts deliveries at /metrics by event and outcome, with their duration, and counts giving up', async () => {
    const before = await metrics();
    const { endpoint } = await addEndpoint('/gone', ['feedback.created']);
    receiver.always('/gone', 500);
    await giveFeedback(hark, `/f/${client.location.code}`, { score: '2', comment: 'Lost in the post' });
    // As if a day had passed since the event: its next failure is its last.
    await hark.services.db.updateTable('webhook_deliveries').set({ created_at: new Date(Date.now() - 25 * 3_600_000) }).where('client_id', '=', client.clientId).where('endpoint_id', '=', endpoint.id).execute();
    await waitFor(async () => ((await deliveriesOf(endpoint.id))[0]?.status === 'failed' ? true : undefined), { what: 'the delivery to be given up' });
    const after = await metrics();
    const counted = (text: string, event: string, outcome: string) => sample(text, 'hark_webhook_deliveries_total', { event, outcome });
    expect(counted(after, 'feedback.created', 'gave_up') - counted(before, 'feedback.created', 'gave_up')).toBe(1);
    // Since this Hark started: the events above, each failed twice before it was accepted.
    for (const event of allEvents) {
      expect(counted(after, event, 'delivered') - counted(metricsAtStart, event, 'delivered'), event).toBeGreaterThanOrEqual(1);
      expect(counted(after, event, 'failed_attempt') - counted(metricsAtStart, event, 'failed_attempt'), event).toBeGreaterThanOrEqual(2);
    }
    const attempts = ['delivered', 'failed_attempt', 'gave_up'].reduce((n, outcome) => n + allEvents.reduce((m, event) => m + counted(after, event, outcome) - counted(metricsAtStart, event, outcome), 0), 0);
    expect(sample(after, 'hark_webhook_delivery_duration_seconds_count') - sample(metricsAtStart, 'hark_webhook_delivery_duration_seconds_count')).toBe(attempts);
    expect(after).toMatch(/^hark_webhook_outbox\{status="pending"\} \d+$/m);
  });

  it('forgets attempts, and finished deliveries, once they are 30 days old', async () => {
    const endpoints = (await admin.get<Endpoint[]>('/api/v1/webhooks/endpoints')).body;
    const flaky = endpoints.find((e) => e.url.endsWith('/flaky')) as Endpoint;
    const delivery = (await deliveriesOf(flaky.id)).find((d) => d.attempts === 3);
    const old = new Date(Date.now() - (DELIVERY_LOG_DAYS + 1) * 86_400_000);
    const db = hark.services.db;
    await db.updateTable('webhook_delivery_attempts').set({ started_at: old }).where('delivery_id', '=', delivery?.id ?? '').where('attempt', '<', 3).execute();
    await pruneDeliveryLog(db);
    expect((await attemptsOf(flaky.id, delivery?.id ?? '')).map((a) => a.attempt)).toEqual([3]);
    await db.updateTable('webhook_deliveries').set({ created_at: old, last_attempt_at: old }).where('id', '=', delivery?.id ?? '').execute();
    await db.updateTable('webhook_delivery_attempts').set({ started_at: old }).where('delivery_id', '=', delivery?.id ?? '').execute();
    await pruneDeliveryLog(db);
    expect((await deliveriesOf(flaky.id)).map((d) => d.id)).not.toContain(delivery?.id);
    // A delivery still waiting (here, for its next attempt in an hour) is kept, however old.
    const waiting = await db
      .insertInto('webhook_deliveries')
      .values({ client_id: client.clientId, endpoint_id: flaky.id, event_type: 'feedback.created', message_id: 'msg_waiting', payload: '{}', created_at: old, next_attempt_at: new Date(Date.now() + 3_600_000) })
      .returning('id')
      .executeTakeFirstOrThrow();
    await pruneDeliveryLog(db);
    expect((await deliveriesOf(flaky.id)).map((d) => d.id)).toContain(waiting.id);
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
