/**
 * The one way the portal talks to Hark: fetch to /api/v1 on this origin, JSON both ways,
 * the session's CSRF token on every state-changing request, and every failure turned into
 * an ApiError carrying the API's `{ error: { code, message } }`.
 */
import type { ApiErrorBody } from './types.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** True when the error says the server has no such route (yet) or no such thing. */
export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

/** A message to show a person for any error. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Hark could not be reached. Check your connection and try again.';
}

let csrfToken: string | null = null;

/** Remembers the session's CSRF token (from the session, sign-in or client switch). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

type Listener = (error: ApiError) => void;
const authListeners = new Set<Listener>();

/**
 * Called when a request answers 401 "unauthenticated" (the session expired or was ended
 * elsewhere) or 403 "totp_setup_required", so the app can send the person to sign in or to
 * two-factor set-up.
 */
export function onAuthProblem(listener: Listener): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

export type QueryValue = string | number | boolean | null | undefined;

export function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' && typeof (error as { message?: unknown }).message === 'string';
}

const fallbackMessages: Record<number, string> = {
  401: 'Please sign in.',
  403: 'Your role does not allow this.',
  404: 'This was not found. It may have been removed, or this part of Hark is not available yet.',
  429: 'Too many requests. Please wait a minute and try again.',
  500: 'Something went wrong on our side. Please try again.',
  502: 'Hark could not be reached. Please try again in a moment.',
  503: 'Hark is starting or its database is unreachable. Please try again in a moment.',
};

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal;
}

export async function apiRequest<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}${queryString(options.query)}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network', 'Hark could not be reached. Check your connection and try again.');
  }
  const text = await response.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!response.ok) {
    const error = isErrorBody(data)
      ? new ApiError(response.status, data.error.code, data.error.message)
      : new ApiError(response.status, `http_${response.status}`, fallbackMessages[response.status] ?? `Hark answered with an error (${response.status}).`);
    if ((error.status === 401 && error.code === 'unauthenticated') || error.code === 'totp_setup_required') {
      for (const listener of authListeners) listener(error);
    }
    throw error;
  }
  return data as T;
}

/**
 * A POST whose answer is a file (a zip): returns it with the name the server gave. Errors
 * come back as JSON and are thrown as ApiError, as for apiRequest.
 */
export async function apiDownload(path: string): Promise<{ blob: Blob; fileName: string }> {
  const headers: Record<string, string> = { accept: 'application/zip, application/json' };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, { method: 'POST', headers, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'Hark could not be reached. Check your connection and try again.');
  }
  if (!response.ok) {
    const data: unknown = await response.json().catch(() => undefined);
    throw isErrorBody(data)
      ? new ApiError(response.status, data.error.code, data.error.message)
      : new ApiError(response.status, `http_${response.status}`, fallbackMessages[response.status] ?? `Hark answered with an error (${response.status}).`);
  }
  const fileName = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'download.zip';
  return { blob: await response.blob(), fileName };
}
