/**
 * The one catalogue of errors the HTTP layer answers with. JSON routes answer
 * `{ error: { code, message } }`; public pages render the message in HTML.
 */
import { z } from 'zod';

export const errorCatalogue = {
  not_found: { status: 404, message: 'Nothing was found at this address.' },
  validation_failed: { status: 400, message: 'The request is not valid.' },
  invalid_mobile: { status: 400, message: 'The mobile number is not valid. Give it with its country code (e.g. +64 21 555 0123) or as a local number.' },
  body_too_large: { status: 413, message: 'The request is too large.' },
  unsupported_media_type: { status: 415, message: 'This content type is not accepted here.' },
  rate_limited: { status: 429, message: 'Too many requests. Please wait a minute and try again.' },
  unauthenticated: { status: 401, message: 'Please sign in.' },
  invalid_credentials: { status: 401, message: 'That email and password do not match an account.' },
  totp_required: { status: 401, message: 'Enter the 6-digit code from your authenticator app.' },
  totp_invalid: { status: 401, message: 'That code is not right or was already used. Enter the current code from your authenticator app.' },
  account_locked: { status: 429, message: 'Too many failed sign-ins. Wait a few minutes, or reset your password by email.' },
  csrf_failed: { status: 403, message: 'This request did not come from the Hark portal. Reload the page and try again.' },
  forbidden: { status: 403, message: 'Your role does not allow this.' },
  totp_setup_required: { status: 403, message: 'This business requires two-factor sign-in. Set it up in your account before you continue.' },
  no_client_selected: { status: 409, message: 'Choose a business to work in first.' },
  conflict: { status: 409, message: 'This conflicts with the current state. Reload and try again.' },
  link_invalid: { status: 410, message: 'This link is not valid any more. Ask for a new one.' },
  weak_password: { status: 422, message: 'Choose a stronger password.' },
  not_ready: { status: 503, message: 'Hark is starting or its database is unreachable.' },
  database_unavailable: { status: 503, message: 'Hark cannot reach its database just now. Please try again in a few seconds.' },
  internal: { status: 500, message: 'Something went wrong on our side. Please try again.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export class HttpError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;

  constructor(code: ErrorCode, message?: string) {
    super(message ?? errorCatalogue[code].message);
    this.code = code;
    this.statusCode = errorCatalogue[code].status;
  }
}

/** Thrown by the rate limiters; `scope` says which limit was reached. */
export class RateLimitedError extends HttpError {
  constructor(
    readonly scope: 'ip' | 'location' | 'number' | 'api_key',
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited');
  }
}

/** What a 503 for an unreachable database asks the client to wait before trying again. */
export const DATABASE_RETRY_AFTER_SECONDS = 3;

export function errorBody(code: ErrorCode, message?: string) {
  return { error: { code, message: message ?? errorCatalogue[code].message } };
}

/** The shape of every error answer, for route response schemas (and so the OpenAPI document). */
export const errorResponseSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/**
 * What a per-IP rate limit of @fastify/rate-limit answers: our 429 (with retry-after), not
 * the plugin's own error, which the error handler would take for an unknown 4xx.
 */
export function answerRateLimitedByIp(_request: unknown, context: { ttl: number }): RateLimitedError {
  return new RateLimitedError('ip', Math.ceil(context.ttl / 1000));
}
