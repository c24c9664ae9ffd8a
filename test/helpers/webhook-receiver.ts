/**
 * A real HTTP receiver for webhook tests, on 127.0.0.1: it records every request (headers
 * and raw body) and answers with the status codes it is told, in turn (then 200).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  path: string;
  headers: Record<string, string>;
  body: string;
  answeredWith: number;
  /** When it arrived (ms since the epoch). */
  receivedAt: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedHook[];
  /** Status codes for the next requests to `path`, in order; afterwards 200. */
  answer(path: string, statuses: number[]): void;
  /** Every request to `path` gets this status from now on. */
  always(path: string, status: number): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const queued = new Map<string, number[]>();
  const fixed = new Map<string, number>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const status = queued.get(path)?.shift() ?? fixed.get(path) ?? 200;
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      received.push({ path, headers, body: Buffer.concat(chunks).toString('utf8'), answeredWith: status, receivedAt: Date.now() });
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer: (path, statuses) => queued.set(path, [...statuses]),
    always: (path, status) => fixed.set(path, status),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
