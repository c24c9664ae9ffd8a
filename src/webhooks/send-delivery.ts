/**
 * One attempt of one delivery: the payload signed as Standard Webhooks says (webhook-id,
 * webhook-timestamp, webhook-signature through the `standardwebhooks` package) and POSTed,
 * with a time limit, no redirects followed, and the connection's addresses checked.
 */
import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import { safeLookup } from './url-safety.ts';

export interface AttemptOutcome {
  /** The receiver's status code, or null when no answer came. */
  statusCode: number | null;
  succeeded: boolean;
  error: string | null;
  durationMs: number;
}

export interface SignedRequest {
  url: string;
  secret: string;
  messageId: string;
  payload: string;
  timeoutMs: number;
  allowPrivate: boolean;
}

export function signedHeaders(secret: string, messageId: string, payload: string, at = new Date()): Record<string, string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(messageId, at, payload),
  };
}

export function sendDelivery(request: SignedRequest): Promise<AttemptOutcome> {
  const started = performance.now();
  const url = new URL(request.url);
  const body = Buffer.from(request.payload, 'utf8');
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<AttemptOutcome>((resolve) => {
    const finish = (statusCode: number | null, error: string | null) =>
      resolve({ statusCode, succeeded: statusCode !== null && statusCode >= 200 && statusCode < 300, error, durationMs: Math.round(performance.now() - started) });
    const outgoing = transport.request(
      url,
      {
        method: 'POST',
        lookup: safeLookup(request.allowPrivate),
        timeout: request.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'content-length': String(body.length),
          'user-agent': 'Hark-Webhooks/1',
          ...signedHeaders(request.secret, request.messageId, request.payload),
        },
      },
      (response) => {
        // The answer's body is not kept; it is read (and dropped) so the socket is freed.
        response.resume();
        response.on('end', () => finish(response.statusCode ?? null, response.statusCode && response.statusCode < 300 ? null : `The receiver answered ${response.statusCode}.`));
        response.on('error', (error) => finish(response.statusCode ?? null, error.message));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`No answer within ${Math.round(request.timeoutMs / 1000)} s.`)));
    outgoing.on('error', (error) => finish(null, error.message.slice(0, 300)));
    outgoing.end(body);
  });
}
