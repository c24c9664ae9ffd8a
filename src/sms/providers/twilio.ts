/**
 * Twilio (or any server speaking Twilio's 2010-04-01 REST API): sends one SMS through the
 * Messages resource, and checks the signature Twilio puts on the webhooks it calls.
 */
// The package is CommonJS with `export =`: Node's ESM loader only offers it as a default
// export (a named `import { validateRequest }` type-checks but fails at run time).
import twilio from 'twilio';
import { z } from 'zod';
import type { OutboundSms, SendOutcome, SmsProvider } from './provider.ts';

export interface TwilioProviderOptions {
  accountSid: string;
  authToken: string;
  /** Base URL of the REST API, e.g. https://api.twilio.com, or a test gateway. */
  apiBaseUrl: string;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

const optionsSchema = z.object({
  accountSid: z.string().min(1),
  authToken: z.string().min(1),
  apiBaseUrl: z.url({ protocol: /^https?$/ }),
  timeoutMs: z.number().int().positive().optional(),
});

const createdMessageSchema = z.object({
  sid: z.string().min(1),
  status: z.string().min(1),
});

const errorAnswerSchema = z.object({
  code: z.union([z.number(), z.string()]).nullish(),
});

/**
 * Fixed descriptions of the refusals we know: Twilio's own `message` may quote the number,
 * so it is never passed on.
 */
const PERMANENT_ERROR_DESCRIPTIONS: Readonly<Record<string, string>> = {
  '20003': 'Authentication with the provider failed',
  '21211': 'The recipient number is not a valid phone number',
  '21408': 'Sending to the recipient region is not enabled',
  '21610': 'The recipient has unsubscribed (opted out) from this sender',
  '21614': 'The recipient number is not a mobile number',
};

export function createTwilioProvider(options: TwilioProviderOptions): SmsProvider {
  const { accountSid, authToken, apiBaseUrl, timeoutMs = DEFAULT_TIMEOUT_MS } = optionsSchema.parse(options);
  const endpoint = messagesEndpoint(apiBaseUrl, accountSid);
  const authorization = basicAuthorization(accountSid, authToken);
  return {
    name: 'twilio',
    send: (message) => sendMessage({ endpoint, authorization, timeoutMs, message }),
  };
}

function messagesEndpoint(apiBaseUrl: string, accountSid: string): string {
  return `${withoutTrailingSlash(apiBaseUrl)}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
}

function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

interface SendRequest {
  endpoint: string;
  authorization: string;
  timeoutMs: number;
  message: OutboundSms;
}

async function sendMessage(request: SendRequest): Promise<SendOutcome> {
  let answer: { status: number; text: string };
  try {
    answer = await postMessage(request);
  } catch (error) {
    return transportFailure(error, request.timeoutMs);
  }
  return outcomeOfAnswer(answer.status, parseJson(answer.text));
}

async function postMessage({ endpoint, authorization, timeoutMs, message }: SendRequest): Promise<{ status: number; text: string }> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      authorization,
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: messageForm(message),
    // A redirect is not part of the API; following one would resend the credentials.
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  // The body is read under the same timeout signal: a server that stalls mid-answer times out too.
  return { status: response.status, text: await response.text() };
}

function messageForm(message: OutboundSms): URLSearchParams {
  const form = new URLSearchParams({ To: message.to, From: message.from, Body: message.body });
  if (message.statusCallbackUrl) form.set('StatusCallback', message.statusCallbackUrl);
  return form;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function outcomeOfAnswer(status: number, json: unknown): SendOutcome {
  if (status >= 200 && status < 300) return outcomeOfAcceptance(status, json);
  const code = errorCodeIn(json);
  if (isPermanentRefusal(status)) {
    return { ok: false, retryable: false, code, message: describePermanentRefusal(status, code) };
  }
  return { ok: false, retryable: true, code, message: describeRetryableAnswer(status, code) };
}

function outcomeOfAcceptance(status: number, json: unknown): SendOutcome {
  const created = createdMessageSchema.safeParse(json);
  if (!created.success) {
    return { ok: false, retryable: true, code: null, message: `Provider answered HTTP ${status} without a readable message resource` };
  }
  return { ok: true, providerMessageId: created.data.sid, status: created.data.status };
}

function errorCodeIn(json: unknown): string | null {
  const parsed = errorAnswerSchema.safeParse(json);
  const code = parsed.success ? parsed.data.code : null;
  return code === null || code === undefined ? null : String(code);
}

/** 4xx means the request itself is wrong, except a request timeout (408) and rate limiting (429). */
function isPermanentRefusal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

function describePermanentRefusal(status: number, code: string | null): string {
  const known = code === null ? undefined : PERMANENT_ERROR_DESCRIPTIONS[code];
  if (known) return known;
  return code === null ? `Provider refused the message (HTTP ${status})` : `Provider refused the message (HTTP ${status}, code ${code})`;
}

function describeRetryableAnswer(status: number, code: string | null): string {
  const reason = status === 429 ? 'Provider is rate limiting' : status === 408 ? 'Provider timed out reading the request' : 'Provider could not take the message';
  return code === null ? `${reason} (HTTP ${status})` : `${reason} (HTTP ${status}, code ${code})`;
}

function transportFailure(error: unknown, timeoutMs: number): SendOutcome {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return { ok: false, retryable: true, code: null, message: `Provider did not answer within ${timeoutMs} ms` };
  }
  const systemCode = systemErrorCode(error);
  const detail = systemCode ? ` (${systemCode})` : '';
  return { ok: false, retryable: true, code: null, message: `Could not reach the provider${detail}` };
}

const systemErrorSchema = z.object({ cause: z.object({ code: z.string().regex(/^[A-Z][A-Z0-9_]+$/) }) });

/** fetch reports a network failure as "fetch failed" with the system error (ECONNREFUSED…) as its cause. */
function systemErrorCode(error: unknown): string | null {
  const parsed = systemErrorSchema.safeParse(error);
  return parsed.success ? parsed.data.cause.code : null;
}

export interface TwilioSignatureInput {
  authToken: string;
  /** The full URL Twilio requested, as it signed it: see `webhookUrl`. */
  url: string;
  /** The form fields of the POST (empty for a GET, whose parameters are in the URL). */
  params: Record<string, string>;
  /** The X-Twilio-Signature header. */
  signature: string | undefined;
}

export function twilioSignatureIsValid({ authToken, url, params, signature }: TwilioSignatureInput): boolean {
  if (!signature) return false;
  try {
    return twilio.validateRequest(authToken, signature, url, params);
  } catch {
    // validateRequest falls back to `new URL(url)`, which throws on a URL it cannot parse.
    return false;
  }
}

/**
 * The URL Twilio signed for a webhook request: Hark's public base URL (which may carry a path
 * prefix that a reverse proxy strips before the request reaches Hark) followed by the path
 * and query as received. The raw path and query are kept as they are, since Twilio signs
 * their exact characters.
 */
export function webhookUrl(publicUrl: string, requestUrl: string): string {
  const pathAndQuery = requestUrl.startsWith('/') ? requestUrl : `/${requestUrl}`;
  return `${withoutTrailingSlash(publicUrl)}${pathAndQuery}`;
}
