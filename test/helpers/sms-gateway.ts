/**
 * A real HTTP server on 127.0.0.1 that stands in for Twilio's REST API in tests: it accepts
 * messages on the Messages resource the way Twilio does (Basic auth, form body, 201 with a
 * message resource), can be scripted to fail, and posts signed status callbacks back.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { webhookUrl } from '../../src/sms/providers/twilio.ts';
import { postSignedTwilioForm, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, twilioSid } from './twilio-signing.ts';
import { waitFor } from './wait.ts';

/** A message the gateway accepted. */
export interface GatewayMessage {
  sid: string;
  to: string;
  from: string;
  body: string;
  statusCallback: string | null;
  receivedAt: Date;
}

/** Any request the gateway saw, accepted or not. */
export interface GatewayAttempt {
  method: string;
  /** Path and query as requested. */
  url: string;
  /** The Basic-auth credentials sent, or null without (well-formed) Basic auth. */
  basicAuth: { username: string; password: string } | null;
  form: Record<string, string>;
  /** The HTTP status answered (set when the answer is sent; null while it is delayed). */
  status: number | null;
  receivedAt: Date;
}

export interface ScriptedAnswer {
  status: number;
  /** An object is sent as JSON, a string as is (text/plain); without, a Twilio-style error. */
  body?: object | string;
  /** Waits this long before answering, e.g. to make the client time out. */
  delayMs?: number;
  /** Only requests texting this number get the answer (other tests' texts pass through). */
  to?: string;
}

export type DeliveryStatus = 'sent' | 'delivered' | 'undelivered' | 'failed';

export interface DeliverStatusOptions {
  errorCode?: string;
  /**
   * Hark's public base URL, when it differs from the origin of the StatusCallback: the
   * signature then covers this URL followed by the callback's path and query.
   */
  publicUrl?: string;
  /** Posts here instead of to the StatusCallback (which may name an unreachable public host). */
  postTo?: string;
}

export interface TestSmsGateway {
  /** Base URL of the fake REST API (TWILIO_API_BASE_URL). */
  url: string;
  accountSid: string;
  authToken: string;
  /** Every request seen, in order. */
  attempts: GatewayAttempt[];
  /** The accepted messages, in order. */
  messages: GatewayMessage[];
  /** The next `count` requests get `answer` instead of being handled (and are not accepted). */
  failNext(count: number, answer: ScriptedAnswer): void;
  /** Resolves with the accepted messages once there are at least `count`. */
  waitForMessages(count: number, timeoutMs?: number): Promise<GatewayMessage[]>;
  /** Posts a signed status callback for `message` to its StatusCallback, as Twilio does. */
  deliverStatus(message: GatewayMessage, status: DeliveryStatus, options?: DeliverStatusOptions): Promise<Response>;
  close(): Promise<void>;
}

export interface TestSmsGatewayOptions {
  accountSid?: string;
  authToken?: string;
}

const MAX_BODY_BYTES = 1024 * 1024;
const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;

const messageFormSchema = z.object({
  To: z.string().optional(),
  From: z.string().optional(),
  Body: z.string().optional(),
  StatusCallback: z.string().optional(),
});

const basicCredentialsSchema = z.string().regex(/^[^:]*:.*$/s);

export async function startTestSmsGateway(options: TestSmsGatewayOptions = {}): Promise<TestSmsGateway> {
  const accountSid = options.accountSid ?? TEST_ACCOUNT_SID;
  const authToken = options.authToken ?? TEST_AUTH_TOKEN;
  const attempts: GatewayAttempt[] = [];
  const messages: GatewayMessage[] = [];
  const script: { remaining: number; answer: ScriptedAnswer }[] = [];
  const pendingAnswers = new Set<NodeJS.Timeout>();

  function nextScriptedAnswer(form: Record<string, string>): ScriptedAnswer | undefined {
    const index = script.findIndex((entry) => entry.answer.to === undefined || entry.answer.to === form.To);
    const entry = script[index];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) script.splice(index, 1);
    return entry.answer;
  }

  function answerLater(response: ServerResponse, attempt: GatewayAttempt, answer: ScriptedAnswer): void {
    const timer = setTimeout(() => {
      pendingAnswers.delete(timer);
      sendScriptedAnswer(response, attempt, answer);
    }, answer.delayMs ?? 0);
    pendingAnswers.add(timer);
  }

  function handleMessageCreation(request: { pathSid: string; attempt: GatewayAttempt }): { status: number; json: object } {
    const { pathSid, attempt } = request;
    const credentials = attempt.basicAuth;
    if (pathSid !== accountSid || credentials?.username !== accountSid || credentials.password !== authToken) {
      return twilioError(401, 20003, 'Authenticate');
    }
    const form = messageFormSchema.parse(attempt.form);
    if (!form.To) return twilioError(400, 21604, "A 'To' phone number is required.");
    if (!form.From) return twilioError(400, 21603, "A 'From' phone number is required.");
    if (!form.Body) return twilioError(400, 21602, 'Message body is required.');
    const message: GatewayMessage = {
      sid: twilioSid('SM'),
      to: form.To,
      from: form.From,
      body: form.Body,
      statusCallback: form.StatusCallback ?? null,
      receivedAt: attempt.receivedAt,
    };
    messages.push(message);
    return { status: 201, json: messageResource(message, accountSid) };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const attempt: GatewayAttempt = {
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      basicAuth: basicAuthOf(request.headers.authorization),
      form: parseForm(await readBody(request)),
      status: null,
      receivedAt: new Date(),
    };
    attempts.push(attempt);
    const scripted = nextScriptedAnswer(attempt.form);
    if (scripted) return answerLater(response, attempt, scripted);
    const pathSid = MESSAGES_PATH.exec(new URL(attempt.url, 'http://gateway').pathname)?.[1];
    if (attempt.method !== 'POST' || pathSid === undefined) {
      return sendJson(response, attempt, twilioError(404, 20404, 'The requested resource was not found'));
    }
    sendJson(response, attempt, handleMessageCreation({ pathSid: decodeURIComponent(pathSid), attempt }));
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : 'unknown error';
      sendJson(response, null, twilioError(500, 20500, `Test gateway failed: ${reason}`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    attempts,
    messages,
    failNext(count, answer) {
      if (!Number.isInteger(count) || count < 1) throw new Error(`failNext needs a positive whole count, got ${count}`);
      script.push({ remaining: count, answer });
    },
    async waitForMessages(count, timeoutMs = 10_000) {
      try {
        return await waitFor(async () => (messages.length >= count ? [...messages] : undefined), {
          timeoutMs,
          intervalMs: 20,
          what: `${count} accepted message(s) at the test SMS gateway`,
        });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`${reason} (${messages.length} accepted, ${attempts.length} request(s) seen)`);
      }
    },
    deliverStatus: (message, status, deliverOptions = {}) => deliverStatus({ message, status, options: deliverOptions, accountSid, authToken }),
    async close() {
      for (const timer of pendingAnswers) clearTimeout(timer);
      pendingAnswers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseForm(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

function basicAuthOf(header: string | undefined): GatewayAttempt['basicAuth'] {
  const encoded = /^Basic\s+(\S+)$/i.exec(header ?? '')?.[1];
  if (!encoded) return null;
  const decoded = basicCredentialsSchema.safeParse(Buffer.from(encoded, 'base64').toString('utf8'));
  if (!decoded.success) return null;
  const separator = decoded.data.indexOf(':');
  return { username: decoded.data.slice(0, separator), password: decoded.data.slice(separator + 1) };
}

function twilioError(status: number, code: number, message: string): { status: number; json: object } {
  return { status, json: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

/** Twilio's default error for a scripted status without a body. */
function defaultErrorFor(status: number): object | undefined {
  if (status < 400) return undefined;
  if (status === 401) return twilioError(401, 20003, 'Authenticate').json;
  if (status === 404) return twilioError(404, 20404, 'The requested resource was not found').json;
  if (status === 429) return twilioError(429, 20429, 'Too Many Requests').json;
  if (status >= 500) return twilioError(status, 20500, 'Internal Server Error').json;
  return { code: null, message: 'Bad Request', more_info: null, status };
}

function sendScriptedAnswer(response: ServerResponse, attempt: GatewayAttempt, answer: ScriptedAnswer): void {
  const body = answer.body ?? defaultErrorFor(answer.status);
  if (typeof body === 'string') {
    send(response, attempt, answer.status, 'text/plain; charset=utf-8', body);
  } else {
    sendJson(response, attempt, { status: answer.status, json: body ?? {} });
  }
}

function sendJson(response: ServerResponse, attempt: GatewayAttempt | null, answer: { status: number; json: object }): void {
  send(response, attempt, answer.status, 'application/json; charset=utf-8', JSON.stringify(answer.json));
}

function send(response: ServerResponse, attempt: GatewayAttempt | null, status: number, contentType: string, body: string): void {
  if (attempt) attempt.status = status;
  // The client may have given up (timeout) while the answer was delayed.
  if (response.destroyed || response.headersSent) return;
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** Twilio writes dates as RFC 2822 with a numeric zone: "Thu, 24 Aug 2023 05:01:45 +0000". */
function twilioDate(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

function messageResource(message: GatewayMessage, accountSid: string): object {
  const created = twilioDate(message.receivedAt);
  const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${message.sid}`;
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: message.body,
    date_created: created,
    date_sent: null,
    date_updated: created,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: message.from,
    messaging_service_sid: null,
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid: message.sid,
    status: 'queued',
    subresource_uris: { media: `${uri}/Media.json` },
    to: message.to,
    uri: `${uri}.json`,
  };
}

interface StatusDelivery {
  message: GatewayMessage;
  status: DeliveryStatus;
  options: DeliverStatusOptions;
  accountSid: string;
  authToken: string;
}

async function deliverStatus({ message, status, options, accountSid, authToken }: StatusDelivery): Promise<Response> {
  const callback = message.statusCallback;
  if (!callback) throw new Error(`message ${message.sid} was sent without a StatusCallback`);
  const params: Record<string, string> = {
    MessageSid: message.sid,
    SmsSid: message.sid,
    MessageStatus: status,
    SmsStatus: status,
    AccountSid: accountSid,
    From: message.from,
    To: message.to,
    ApiVersion: '2010-04-01',
    ...(options.errorCode === undefined ? {} : { ErrorCode: options.errorCode }),
  };
  return postSignedTwilioForm({
    url: options.postTo ?? callback,
    signedUrl: options.publicUrl === undefined ? callback : webhookUrl(options.publicUrl, pathAndQuery(callback)),
    authToken,
    params,
  });
}

function pathAndQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}
