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

/**
 * Every API call: the public path, the bearer token, and on a 401 one refresh and one retry (the token
 * may have expired while the tab slept). A second 401 ends the session here: the app returns to sign-in.
 * The body is read once into memory and sent as bytes: a Request rebuilt around openapi-fetch's would
 * carry a streaming body, which browsers send only over HTTP/2.
 */
export async function authedFetch(input: Request): Promise<Response> {
  const url = new URL(input.url);
  url.pathname = publicPath(url.pathname);
  const body = input.method === 'GET' || input.method === 'HEAD' ? undefined : await input.arrayBuffer();
  const send = () => {
    const headers = new Headers(input.headers);
    const token = currentSession()?.accessToken;
    if (token) headers.set('Authorization', `Bearer ${token}`);
    return fetch(url, {
      method: input.method,
      headers,
      body,
      credentials: 'same-origin',
      signal: input.signal,
    });
  };
  const response = await send();
  if (response.status !== 401) return response;
  if (!(await refresh())) return response;
  const second = await send();
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
