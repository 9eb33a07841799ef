/**
 * Checks a provider token endpoint. Production requires https (the refresh token and client secret
 * travel in the request); credentials embedded in the URL are refused everywhere, because the URL is
 * shown in responses and events.
 * Returns a problem to report, or null when the URL is acceptable.
 */
export function tokenUrlProblem(raw: string, isProduction: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'token_url must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'token_url must be an http(s) URL';
  if (isProduction && url.protocol !== 'https:') return 'token_url must use https in production';
  if (url.username || url.password) return 'token_url must not contain credentials';
  if (url.hash) return 'token_url must not contain a fragment';
  return null;
}
