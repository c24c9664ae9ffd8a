import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestSmsGateway, type TestSmsGateway } from '../../../test/helpers/sms-gateway.ts';
import { inboundSmsParams, postSignedTwilioForm } from '../../../test/helpers/twilio-signing.ts';
import type { OutboundSms, SendOutcome } from './provider.ts';
import { createTwilioProvider, twilioSignatureIsValid, webhookUrl } from './twilio.ts';

const CUSTOMER = '+14155550123';
const CLIENT = '+14155559876';
const TEXT = 'How did we do today? Reply 1-5';

function outboundSms(overrides: Partial<OutboundSms> = {}): OutboundSms {
  return {
    to: CUSTOMER,
    from: CLIENT,
    body: TEXT,
    messageId: '0f8b8a52-3c1e-4a57-9d0c-7a3e2b4c5d6e',
    statusCallbackUrl: 'https://hark.example.com/webhooks/sms/status',
    ...overrides,
  };
}

function expectNoPersonalData(outcome: SendOutcome): void {
  if (outcome.ok) return;
  expect(outcome.message).not.toContain(CUSTOMER);
  expect(outcome.message).not.toContain(CUSTOMER.slice(1));
  expect(outcome.message).not.toContain(TEXT);
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Twilio provider', () => {
  let gateway: TestSmsGateway;

  beforeEach(async () => {
    gateway = await startTestSmsGateway();
  });

  afterEach(async () => {
    await gateway.close();
  });

  function provider(timeoutMs?: number) {
    return createTwilioProvider({ accountSid: gateway.accountSid, authToken: gateway.authToken, apiBaseUrl: gateway.url, timeoutMs });
  }

  it('posts the message with Basic auth and returns the sid Twilio gave', async () => {
    const outcome = await provider().send(outboundSms());

    const [message] = await gateway.waitForMessages(1);
    expect(outcome).toEqual({ ok: true, providerMessageId: message?.sid, status: 'queued' });
    expect(message).toMatchObject({ to: CUSTOMER, from: CLIENT, body: TEXT, statusCallback: 'https://hark.example.com/webhooks/sms/status' });
    expect(message?.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(gateway.attempts).toHaveLength(1);
    expect(gateway.attempts[0]).toMatchObject({
      method: 'POST',
      url: `/2010-04-01/Accounts/${gateway.accountSid}/Messages.json`,
      basicAuth: { username: gateway.accountSid, password: gateway.authToken },
      status: 201,
    });
  });

  it('leaves out StatusCallback when there is no callback URL, and copes with a trailing slash in the base URL', async () => {
    const sender = createTwilioProvider({ accountSid: gateway.accountSid, authToken: gateway.authToken, apiBaseUrl: `${gateway.url}/` });

    const outcome = await sender.send(outboundSms({ statusCallbackUrl: null }));

    expect(outcome.ok).toBe(true);
    expect(gateway.messages[0]?.statusCallback).toBeNull();
    expect(gateway.attempts[0]?.form).not.toHaveProperty('StatusCallback');
  });

  it('keeps the whole text, including characters that need form encoding', async () => {
    const body = 'Merci ! 5/5 & "très" bien + 😀 = 100%';

    await provider().send(outboundSms({ body }));

    expect(gateway.messages[0]?.body).toBe(body);
  });

  it('treats an invalid number (21211) as permanent, without repeating the number Twilio quotes', async () => {
    gateway.failNext(1, {
      status: 400,
      body: { code: 21211, message: `The 'To' number ${CUSTOMER} is not a valid phone number.`, more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 },
    });

    const outcome = await provider().send(outboundSms());

    expect(outcome).toEqual({ ok: false, retryable: false, code: '21211', message: 'The recipient number is not a valid phone number' });
    expectNoPersonalData(outcome);
    expect(gateway.messages).toHaveLength(0);
    expect(gateway.attempts).toHaveLength(1);
  });

  it('treats an opted-out recipient (21610) as permanent', async () => {
    gateway.failNext(1, { status: 400, body: { code: 21610, message: `Attempt to send to unsubscribed recipient ${CUSTOMER}`, status: 400 } });

    const outcome = await provider().send(outboundSms());

    expect(outcome).toMatchObject({ ok: false, retryable: false, code: '21610' });
    expectNoPersonalData(outcome);
  });

  it('describes an unknown refusal by HTTP status and code', async () => {
    gateway.failNext(1, { status: 400, body: { code: 21999, message: `Something about ${CUSTOMER}`, status: 400 } });

    const outcome = await provider().send(outboundSms());

    expect(outcome).toEqual({ ok: false, retryable: false, code: '21999', message: 'Provider refused the message (HTTP 400, code 21999)' });
  });

  it('treats wrong credentials (401) as permanent', async () => {
    const sender = createTwilioProvider({ accountSid: gateway.accountSid, authToken: 'not-the-token', apiBaseUrl: gateway.url });

    const outcome = await sender.send(outboundSms());

    expect(outcome).toEqual({ ok: false, retryable: false, code: '20003', message: 'Authentication with the provider failed' });
    expect(gateway.attempts[0]?.status).toBe(401);
    expect(gateway.messages).toHaveLength(0);
  });

  it('reports a missing field the gateway refuses as permanent', async () => {
    const outcome = await provider().send(outboundSms({ body: '' }));

    expect(outcome).toEqual({ ok: false, retryable: false, code: '21602', message: 'Provider refused the message (HTTP 400, code 21602)' });
  });

  it.each([
    { status: 429, code: '20429' },
    { status: 500, code: '20500' },
    { status: 503, code: '20500' },
    { status: 408, code: null },
  ])('treats HTTP $status as retryable', async ({ status, code }) => {
    gateway.failNext(1, status === 408 ? { status, body: '' } : { status });

    const outcome = await provider().send(outboundSms());

    expect(outcome).toMatchObject({ ok: false, retryable: true, code });
    expect(outcome.ok === false && outcome.message).toContain(`HTTP ${status}`);
  });

  it('sends again once scripted failures are used up', async () => {
    gateway.failNext(2, { status: 503 });
    const sender = provider();

    const outcomes = [await sender.send(outboundSms()), await sender.send(outboundSms()), await sender.send(outboundSms())];

    expect(outcomes.map((outcome) => outcome.ok)).toEqual([false, false, true]);
    expect(gateway.attempts.map((attempt) => attempt.status)).toEqual([503, 503, 201]);
    expect(gateway.messages).toHaveLength(1);
  });

  it('treats a refused connection as retryable', async () => {
    const port = await closedPort();
    const sender = createTwilioProvider({ accountSid: gateway.accountSid, authToken: gateway.authToken, apiBaseUrl: `http://127.0.0.1:${port}` });

    const outcome = await sender.send(outboundSms());

    expect(outcome).toEqual({ ok: false, retryable: true, code: null, message: 'Could not reach the provider (ECONNREFUSED)' });
  });

  it('treats a gateway slower than the timeout as retryable', async () => {
    gateway.failNext(1, { status: 201, body: { sid: 'SM00000000000000000000000000000000', status: 'queued' }, delayMs: 2_000 });
    const started = Date.now();

    const outcome = await provider(200).send(outboundSms());

    expect(outcome).toEqual({ ok: false, retryable: true, code: null, message: 'Provider did not answer within 200 ms' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('treats an answer that is not JSON as retryable', async () => {
    gateway.failNext(1, { status: 200, body: '<html>Service temporarily unavailable</html>' });

    const outcome = await provider().send(outboundSms());

    expect(outcome).toMatchObject({ ok: false, retryable: true, code: null });
  });

  it('treats a 201 without a sid as retryable', async () => {
    gateway.failNext(1, { status: 201, body: { status: 'queued' } });

    const outcome = await provider().send(outboundSms());

    expect(outcome).toMatchObject({ ok: false, retryable: true, code: null });
  });

  it('refuses options that cannot work, without echoing the token', () => {
    expect(() => createTwilioProvider({ accountSid: 'AC1', authToken: 'secret-token', apiBaseUrl: 'not a url' })).toThrow();
    expect(() => createTwilioProvider({ accountSid: 'AC1', authToken: 'secret-token', apiBaseUrl: 'not a url' })).not.toThrow(/secret-token/);
  });
});

describe('Twilio webhook signatures', () => {
  const authToken = 'webhook-test-token';
  const url = 'https://hark.example.com/webhooks/sms/inbound';
  const params = inboundSmsParams({ from: CUSTOMER, to: CLIENT, body: TEXT });
  const signature = twilio.getExpectedTwilioSignature(authToken, url, params);

  it('accepts a request signed by Twilio over the URL and form', () => {
    expect(twilioSignatureIsValid({ authToken, url, params, signature })).toBe(true);
  });

  it('refuses a tampered field, another URL, another token, and no signature', () => {
    expect(twilioSignatureIsValid({ authToken, url, params: { ...params, Body: 'tampered' }, signature })).toBe(false);
    expect(twilioSignatureIsValid({ authToken, url, params: { ...params, Extra: '1' }, signature })).toBe(false);
    expect(twilioSignatureIsValid({ authToken, url: 'https://hark.example.com/webhooks/sms/status', params, signature })).toBe(false);
    expect(twilioSignatureIsValid({ authToken: 'another-token', url, params, signature })).toBe(false);
    expect(twilioSignatureIsValid({ authToken, url, params, signature: undefined })).toBe(false);
    expect(twilioSignatureIsValid({ authToken, url, params, signature: '' })).toBe(false);
  });

  it('covers the query string', () => {
    const withQuery = `${url}?client=abc`;
    const signed = twilio.getExpectedTwilioSignature(authToken, withQuery, params);

    expect(twilioSignatureIsValid({ authToken, url: withQuery, params, signature: signed })).toBe(true);
    expect(twilioSignatureIsValid({ authToken, url, params, signature: signed })).toBe(false);
    expect(twilioSignatureIsValid({ authToken, url: `${url}?client=xyz`, params, signature: signed })).toBe(false);
  });

  it('accepts the default port written out or left out, as Twilio may sign either', () => {
    expect(twilioSignatureIsValid({ authToken, url: 'https://hark.example.com:443/webhooks/sms/inbound', params, signature })).toBe(true);
  });

  it('refuses rather than throws on a URL it cannot parse', () => {
    expect(twilioSignatureIsValid({ authToken, url: 'not a url', params, signature })).toBe(false);
  });

  it('validates a request posted by the signing helper as a server sees it', async () => {
    const seen: { url: string; signature: string | undefined; params: Record<string, string> }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const header = request.headers['x-twilio-signature'];
        seen.push({ url: request.url ?? '', signature: typeof header === 'string' ? header : undefined, params: Object.fromEntries(new URLSearchParams(body)) });
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await postSignedTwilioForm({ url: `${base}/webhooks/sms/inbound?x=1`, authToken, params });
      await postSignedTwilioForm({ url: `${base}/webhooks/sms/inbound`, signedUrl: 'https://public.example.com/hark/webhooks/sms/inbound', authToken, params });
      await postSignedTwilioForm({ url: `${base}/webhooks/sms/inbound`, authToken, params, signature: null });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }

    const [direct, proxied, unsigned] = seen;
    expect(direct && twilioSignatureIsValid({ authToken, url: webhookUrl(base, direct.url), params: direct.params, signature: direct.signature })).toBe(true);
    expect(proxied && twilioSignatureIsValid({ authToken, url: webhookUrl('https://public.example.com/hark/', proxied.url), params: proxied.params, signature: proxied.signature })).toBe(true);
    expect(proxied && twilioSignatureIsValid({ authToken, url: webhookUrl(base, proxied.url), params: proxied.params, signature: proxied.signature })).toBe(false);
    expect(unsigned?.signature).toBeUndefined();
  });
});

describe('webhookUrl', () => {
  it('joins the public base URL and the request path and query', () => {
    expect(webhookUrl('https://hark.example.com', '/webhooks/sms/inbound')).toBe('https://hark.example.com/webhooks/sms/inbound');
    expect(webhookUrl('https://hark.example.com/', '/webhooks/sms/inbound?a=1&b=2')).toBe('https://hark.example.com/webhooks/sms/inbound?a=1&b=2');
    expect(webhookUrl('https://example.com/feedback/', '/webhooks/sms/status')).toBe('https://example.com/feedback/webhooks/sms/status');
  });
});

describe('test SMS gateway status callbacks', () => {
  let gateway: TestSmsGateway;

  beforeEach(async () => {
    gateway = await startTestSmsGateway({ authToken: 'gateway-token' });
  });

  afterEach(async () => {
    await gateway.close();
  });

  it('posts a status callback signed over the callback URL', async () => {
    const received: { url: string; signature: string | undefined; params: Record<string, string> }[] = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const header = request.headers['x-twilio-signature'];
        received.push({ url: request.url ?? '', signature: typeof header === 'string' ? header : undefined, params: Object.fromEntries(new URLSearchParams(body)) });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    try {
      const sender = createTwilioProvider({ accountSid: gateway.accountSid, authToken: gateway.authToken, apiBaseUrl: gateway.url });
      await sender.send(outboundSms({ statusCallbackUrl: `${base}/webhooks/sms/status?m=42` }));
      const [message] = await gateway.waitForMessages(1);
      if (!message) throw new Error('no message');

      const response = await gateway.deliverStatus(message, 'undelivered', { errorCode: '30003' });
      await gateway.deliverStatus(message, 'delivered', { publicUrl: 'https://hark.example.com/' });

      expect(response.status).toBe(204);
      const [undelivered, delivered] = received;
      expect(undelivered?.params).toEqual({
        MessageSid: message.sid,
        SmsSid: message.sid,
        MessageStatus: 'undelivered',
        SmsStatus: 'undelivered',
        AccountSid: gateway.accountSid,
        From: CLIENT,
        To: CUSTOMER,
        ApiVersion: '2010-04-01',
        ErrorCode: '30003',
      });
      expect(undelivered && twilioSignatureIsValid({ authToken: 'gateway-token', url: webhookUrl(base, undelivered.url), params: undelivered.params, signature: undelivered.signature })).toBe(true);
      expect(delivered?.params).not.toHaveProperty('ErrorCode');
      expect(delivered && twilioSignatureIsValid({ authToken: 'gateway-token', url: webhookUrl('https://hark.example.com', delivered.url), params: delivered.params, signature: delivered.signature })).toBe(true);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('says how many messages arrived when waiting times out', async () => {
    await expect(gateway.waitForMessages(1, 100)).rejects.toThrow(/1 accepted message\(s\).*0 accepted, 0 request\(s\) seen/);
  });
});
