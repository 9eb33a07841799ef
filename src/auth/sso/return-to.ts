/** Where a sign-in lands when the console names no page. */
export const DEFAULT_RETURN_TO = '/console/';
export const RETURN_TO_MAX = 512;

// Path, query and fragment characters of RFC 3986, nothing else: no whitespace, control characters or
// backslashes, which browsers "repair" into something else (`/\evil.example` becomes `//evil.example`).
const RETURN_TO_SHAPE = /^\/console\/[A-Za-z0-9\-._~!$&'()*+,;=:@/?%#]*$/;

/**
 * The page to send the browser to after an SSO sign-in, or null when `raw` could lead anywhere but the
 * console on this origin: it must be a relative path under `/console/`, with no `//` (a protocol-relative
 * URL when it starts one, and pointless anywhere else), no `..` segment, and no encoded `/` or `\`
 * that a later decoder could turn into either. Unset means the console's home.
 */
export function safeReturnTo(raw: unknown): string | null {
  if (raw === undefined) return DEFAULT_RETURN_TO;
  if (typeof raw !== 'string' || raw.length > RETURN_TO_MAX || !RETURN_TO_SHAPE.test(raw)) return null;
  if (raw.includes('//') || /%(2f|5c|2e)/i.test(raw)) return null;
  const path = raw.split(/[?#]/, 1)[0];
  if (path.split('/').some((segment) => segment === '..' || segment === '.')) return null;
  return raw;
}
