/**
 * One attempt of one delivery: the payload signed as Standard Webhooks says (webhook-id,
 * webhook-timestamp, webhook-signature through the `standardwebhooks` package) and POSTed,
 * with a time limit, no redirects followed, and the connection's addresses checked. The
 * outcome says what happened in a word (a status, or why none came) and keeps the start of
 * the answer for the delivery log.
 */
import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import type { AttemptOutcomeKind } from './tables.ts';
import { safeLookup } from './url-safety.ts';

/** How much of a receiver's answer is kept in the delivery log. */
export const RESPONSE_EXCERPT_BYTES = 1024;

export interface AttemptOutcome {
  /** The receiver's status code, or null when no answer came. */
  statusCode: number | null;
  succeeded: boolean;
  /** 'delivered', 'http_status', or why no answer came (timeout, connection_refused, tls, blocked …). */
  kind: AttemptOutcomeKind;
  error: string | null;
  /** The first RESPONSE_EXCERPT_BYTES of the answer's body, or null without one. */
  responseExcerpt: string | null;
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

const TIMED_OUT = 'HARK_WEBHOOK_TIMEOUT';

/** Sorts a socket or TLS error into the kinds the delivery log shows. */
export function errorKindOf(error: unknown): AttemptOutcomeKind {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  if (code === TIMED_OUT) return 'timeout';
  if (code === 'EADDRNOTALLOWED') return 'blocked';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') return 'connection_reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return 'dns';
  if (code === 'ETIMEDOUT') return 'timeout';
  // OpenSSL and certificate failures: ERR_SSL_…, ERR_TLS_…, EPROTO, CERT_…, …_SIGNATURE, SELF_SIGNED_…
  if (/^(ERR_SSL_|ERR_TLS_|EPROTO$|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/.test(code)) return 'tls';
  return 'other';
}

export function sendDelivery(request: SignedRequest): Promise<AttemptOutcome> {
  const started = performance.now();
  const url = new URL(request.url);
  const body = Buffer.from(request.payload, 'utf8');
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: Omit<AttemptOutcome, 'durationMs' | 'succeeded'>) => {
      if (settled) return;
      settled = true;
      const succeeded = outcome.kind === 'delivered';
      resolve({ ...outcome, succeeded, durationMs: Math.round(performance.now() - started) });
    };
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
        const statusCode = response.statusCode ?? null;
        // The start of the answer is kept; the rest is read and dropped so the socket is freed.
        const kept: Buffer[] = [];
        let keptBytes = 0;
        response.on('data', (chunk: Buffer) => {
          if (keptBytes >= RESPONSE_EXCERPT_BYTES) return;
          const part = chunk.subarray(0, RESPONSE_EXCERPT_BYTES - keptBytes);
          kept.push(part);
          keptBytes += part.length;
        });
        // Text columns cannot hold NUL, which a binary answer may contain.
        const excerpt = () => (keptBytes > 0 ? Buffer.concat(kept).toString('utf8').replaceAll('\u0000', '') : null);
        response.on('end', () => {
          const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
          finish({ statusCode, kind: ok ? 'delivered' : 'http_status', error: ok ? null : `The receiver answered ${statusCode}.`, responseExcerpt: excerpt() });
        });
        response.on('error', (error) => finish({ statusCode, kind: errorKindOf(error), error: error.message.slice(0, 300), responseExcerpt: excerpt() }));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error(`No answer within ${Math.round(request.timeoutMs / 100) / 10} s.`), { code: TIMED_OUT })));
    outgoing.on('error', (error) => finish({ statusCode: null, kind: errorKindOf(error), error: error.message.slice(0, 300), responseExcerpt: null }));
    outgoing.end(body);
  });
}
