import { navigate } from '../router';

/**
 * Keyset paging (`cursor` → `next_cursor`): "Next page" follows the answer's cursor, "First page" starts
 * over. The cursor lives in the URL so a page of results can be linked and reloaded.
 */
export function Pager({
  nextCursor,
  onNext,
  onFirst,
  atFirst,
  label,
}: {
  nextCursor: string | null | undefined;
  onNext: (cursor: string) => void;
  onFirst: () => void;
  atFirst: boolean;
  label: string;
}) {
  if (atFirst && !nextCursor) return null;
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" onClick={onFirst} disabled={atFirst}>
        First page
      </button>
      <button type="button" onClick={() => nextCursor && onNext(nextCursor)} disabled={!nextCursor}>
        Next page
      </button>
    </nav>
  );
}

/** A Pager for a page whose only query is the cursor: `path` is the first page, `path?cursor=…` the next. */
export function PathPager({
  path,
  cursor,
  nextCursor,
  label,
}: {
  path: string;
  cursor: string | null | undefined;
  nextCursor: string | null | undefined;
  label: string;
}) {
  return (
    <Pager
      label={label}
      nextCursor={nextCursor}
      atFirst={!cursor}
      onFirst={() => navigate(path)}
      onNext={(next) => navigate(`${path}?cursor=${encodeURIComponent(next)}`)}
    />
  );
}
