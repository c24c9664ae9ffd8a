/** Loading, empty and failed states, said the same way on every screen. */
import type { ReactNode } from 'react';
import { ApiError, errorMessage } from '../api/client.ts';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

/**
 * A failed load. For a collection, a 404 means this Hark does not offer that part of the API
 * (yet); for one item it means the item is gone or outside the person's locations.
 */
export function LoadError({ error, what, retry, item }: { error: unknown; what: string; retry?: () => void; item?: boolean }) {
  const missing = error instanceof ApiError && error.status === 404;
  let headline = `${what} could not be loaded.`;
  let detail = errorMessage(error);
  if (missing && item) {
    headline = `${what} was not found.`;
    detail = 'It may have been removed, or it belongs to a location you do not have access to.';
  } else if (missing) {
    headline = `${what} is not available on this Hark yet.`;
    detail = 'The server does not offer it; it comes with a newer version.';
  }
  return (
    <div className="notice notice-error" role="alert">
      <p>
        <strong>{headline}</strong> {detail}
      </p>
      {retry ? (
        <button type="button" className="button button-quiet" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children ? <div className="empty-body">{children}</div> : null}
    </div>
  );
}
