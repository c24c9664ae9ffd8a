/**
 * The one catalogue of errors the HTTP layer answers with. JSON routes answer
 * `{ error: { code, message } }`; public pages render the message in HTML.
 */
export const errorCatalogue = {
  not_found: { status: 404, message: 'Nothing was found at this address.' },
  validation_failed: { status: 400, message: 'The request is not valid.' },
  body_too_large: { status: 413, message: 'The request is too large.' },
  unsupported_media_type: { status: 415, message: 'This content type is not accepted here.' },
  rate_limited: { status: 429, message: 'Too many requests. Please wait a minute and try again.' },
  not_ready: { status: 503, message: 'Hark is starting or its database is unreachable.' },
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
    readonly scope: 'ip' | 'location',
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited');
  }
}

export function errorBody(code: ErrorCode, message?: string) {
  return { error: { code, message: message ?? errorCatalogue[code].message } };
}
