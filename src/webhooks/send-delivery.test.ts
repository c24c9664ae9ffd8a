/**
 * One delivery attempt against real sockets on this machine: a signed POST that the
 * `standardwebhooks` package verifies, and each way an attempt can fail sorted into the kind
 * the delivery log shows (an answer, a timeout, a refused connection, a TLS failure, an
 * address the SSRF guard blocks), with the start of the answer kept and capped.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from './secrets.ts';
import { RESPONSE_EXCERPT_BYTES, sendDelivery, type SignedRequest } from './send-delivery.ts';

describe('sendDelivery', () => {
  const secret = generateWebhookSecret();
  const seen: { headers: Record<string, string>; body: string }[] = [];
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen.push({ headers: request.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
        if (request.url === '/ok') response.writeHead(204).end();
        else if (request.url === '/long-refusal') response.writeHead(500, { 'content-type': 'text/plain' }).end(`é${'x'.repeat(5000)}`);
        // '/silent' never answers.
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const attempt = (url: string, overrides: Partial<SignedRequest> = {}) =>
    sendDelivery({ url, secret, messageId: 'msg_test', payload: '{"type":"feedback.created","timestamp":"2025-01-01T00:00:00.000Z","data":{"id":"x"}}', timeoutMs: 2000, allowPrivate: true, ...overrides });

  it('POSTs the payload signed so that Webhook.verify accepts it; a 2xx is delivered', async () => {
    const outcome = await attempt(`${base}/ok`);
    expect(outcome).toMatchObject({ succeeded: true, kind: 'delivered', statusCode: 204, error: null, responseExcerpt: null });
    const request = seen.at(-1);
    expect(new Webhook(secret).verify(request?.body ?? '', request?.headers ?? {})).toMatchObject({ type: 'feedback.created' });
  });

  it('keeps the first kilobyte of a refusal, whole characters only', async () => {
    const outcome = await attempt(`${base}/long-refusal`);
    expect(outcome).toMatchObject({ succeeded: false, kind: 'http_status', statusCode: 500, error: 'The receiver answered 500.' });
    expect(Buffer.byteLength(outcome.responseExcerpt ?? '')).toBeLessThanOrEqual(RESPONSE_EXCERPT_BYTES);
    expect(outcome.responseExcerpt).toMatch(/^éx{1000,}$/);
  });

  it('gives up on a receiver that does not answer in time', async () => {
    const outcome = await attempt(`${base}/silent`, { timeoutMs: 200 });
    expect(outcome).toMatchObject({ succeeded: false, kind: 'timeout', statusCode: null, error: 'No answer within 0.2 s.' });
  });

  it('tells a refused connection, a TLS failure and a blocked address apart', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await attempt(`http://127.0.0.1:${closedPort}/`)).toMatchObject({ succeeded: false, kind: 'connection_refused', statusCode: null });
    // https:// to a server that speaks plain HTTP: the TLS handshake fails.
    expect(await attempt(base.replace('http:', 'https:') + '/ok')).toMatchObject({ succeeded: false, kind: 'tls', statusCode: null });
    // A name that resolves to loopback, when internal addresses are not allowed: the SSRF guard stops it before connecting.
    const port = new URL(base).port;
    const blocked = await attempt(`http://localhost:${port}/ok`, { allowPrivate: false });
    expect(blocked).toMatchObject({ succeeded: false, kind: 'blocked', statusCode: null });
    expect(blocked.error).toMatch(/internal address/);
  });
});
