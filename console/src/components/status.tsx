import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api/errors';

/** An API error as an operator needs it: what went wrong and the request id to quote. */
export function ErrorView({ error, title = 'Something went wrong' }: { error: ApiError; title?: string }) {
  return (
    <div class="notice notice-error" role="alert">
      <p class="notice-title">{title}</p>
      <p>
        {error.message}
        {error.status ? ` (HTTP ${error.status})` : ''}
      </p>
      {error.requestId && (
        <p class="muted">
          Request id: <code>{error.requestId}</code>
        </p>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}
