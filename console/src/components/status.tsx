import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api/errors';
import type { Resource } from '../api/use-resource';

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

/**
 * The states a loaded list goes through, the same on every page: the error (above the rows of the last
 * good answer, which stay on screen), the first load, the empty answer, and otherwise `children` with the
 * data. A reload keeps the old rows instead of flashing the loading line.
 */
export function ListState<T>({
  resource,
  errorTitle,
  loading,
  isEmpty,
  empty,
  children,
}: {
  resource: Resource<T>;
  errorTitle: string;
  /** What is loading, as in "Loading runs…"; without it nothing shows until the first answer. */
  loading?: string;
  /** Whether the answer has nothing to list; without it an answer is never empty. */
  isEmpty?: (data: T) => boolean;
  empty?: ComponentChildren;
  children: (data: T) => ComponentChildren;
}) {
  const { data } = resource;
  return (
    <>
      {resource.state === 'error' && <ErrorView error={resource.error} title={errorTitle} />}
      {resource.state === 'loading' && data === undefined && loading && <Loading what={loading} />}
      {data !== undefined && (isEmpty?.(data) ? <Empty>{empty}</Empty> : children(data))}
    </>
  );
}
