/**
 * A real HTTP receiver for webhook tests, on 127.0.0.1: it records every request (headers
 * and raw body) and answers with the status codes it is told, in turn (then 200). A path can
 * also be made a strict receiver, as an integrator would write one: it verifies each
 * request's signature with the `standardwebhooks` package (400 when it does not verify) and
 * fails the first attempts of every message (by webhook-id).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedHook {
  path: string;
  headers: Record<string, string>;
  body: string;
  answeredWith: number;
  /** When it arrived (ms since the epoch). */
  receivedAt: number;
  /** For a strict path: whether the signature verified, and the event it carried if so. */
  verified?: boolean;
  event?: { type: string; timestamp: string; data: Record<string, unknown> };
}

export interface StrictReceiving {
  /** The endpoint's signing secret (whsec_…): requests that do not verify get 400. */
  secret: string;
  /** Answer 500 to the first this many attempts of each webhook-id, then 200. */
  failFirstAttempts?: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedHook[];
  /** Status codes for the next requests to `path`, in order; afterwards 200. */
  answer(path: string, statuses: number[]): void;
  /** Every request to `path` gets this status from now on. */
  always(path: string, status: number): void;
  /** Verify signatures at `path`, and fail the first attempts of each message. */
  strict(path: string, receiving: StrictReceiving): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const queued = new Map<string, number[]>();
  const fixed = new Map<string, number>();
  const strictPaths = new Map<string, StrictReceiving>();
  const attemptsOf = new Map<string, number>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      const body = Buffer.concat(chunks).toString('utf8');
      const hook: ReceivedHook = { path, headers, body, answeredWith: 200, receivedAt: Date.now() };
      const strict = strictPaths.get(path);
      if (strict) {
        try {
          hook.event = new Webhook(strict.secret).verify(body, headers) as ReceivedHook['event'];
          hook.verified = true;
          const id = headers['webhook-id'] ?? '';
          const attempt = (attemptsOf.get(id) ?? 0) + 1;
          attemptsOf.set(id, attempt);
          hook.answeredWith = attempt <= (strict.failFirstAttempts ?? 0) ? 500 : 200;
        } catch {
          hook.verified = false;
          hook.answeredWith = 400;
        }
      } else {
        hook.answeredWith = queued.get(path)?.shift() ?? fixed.get(path) ?? 200;
      }
      received.push(hook);
      response.writeHead(hook.answeredWith, { 'content-type': 'text/plain' }).end(hook.answeredWith < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer: (path, statuses) => queued.set(path, [...statuses]),
    always: (path, status) => fixed.set(path, status),
    strict: (path, receiving) => strictPaths.set(path, receiving),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
