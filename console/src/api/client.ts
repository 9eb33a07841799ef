import createClient from 'openapi-fetch';
import { currentSession, refresh, sessionExpired } from '../auth/session';
import { apiErrorOf } from './errors';
import type { paths } from './schema';

/**
 * The public path of an API route. The contract names routes as the app mounts them (`/runs`,
 * `/api/auth/login`); nginx exposes all of them under `/api` (`/api/runs`), and the app accepts the same
 * public paths itself (src/http/console-static.ts), so the console always calls those.
 */
export function publicPath(path: string): string {
  return path.startsWith('/api/') ? path : `/api${path}`;
}

async function send(request: Request): Promise<Response> {
  const headers = new Headers(request.headers);
  const token = currentSession()?.accessToken;
  if (token) headers.set('Authorization', `Bearer ${token}`);
  return fetch(new Request(request, { headers, credentials: 'same-origin' }));
}

/**
 * Every API call: the public path, the bearer token, and on a 401 one refresh and one retry (the token
 * may have expired while the tab slept). A second 401 ends the session here: the app returns to sign-in.
 */
export async function authedFetch(input: Request): Promise<Response> {
  const url = new URL(input.url);
  url.pathname = publicPath(url.pathname);
  const request = new Request(url, input);
  const retry = request.clone();
  const response = await send(request);
  if (response.status !== 401) return response;
  if (!(await refresh())) return response;
  const second = await send(retry);
  if (second.status === 401) sessionExpired();
  return second;
}

export const api = createClient<paths>({ baseUrl: window.location.origin, fetch: authedFetch });

/** The data of an openapi-fetch answer, or its ApiError thrown. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) {
    // openapi-fetch has read the body already; rebuild the envelope from what it parsed.
    const body = (error && typeof error === 'object' ? error : {}) as Record<string, unknown>;
    const fake = new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
    throw await apiErrorOf(fake);
  }
  return data as T;
}
