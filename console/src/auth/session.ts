import { apiErrorOf } from '../api/errors';

/**
 * The signed-in session, in memory only: the access token never touches localStorage, sessionStorage or a
 * cookie JavaScript can read. The refresh token is the server's HttpOnly cookie, sent only to
 * /api/auth/refresh, so a reload (or a new tab) signs in again through `refresh()`.
 *
 * Refresh tokens are single-use with reuse detection and no grace period: presenting one twice revokes
 * the whole session. So in this tab one refresh at a time (one shared promise), and across tabs of the
 * same browser, which share the cookie, one at a time through a Web Lock.
 *
 * JavaScript cannot see the HttpOnly refresh cookie, so the server sets a companion cookie with it, the
 * signed-in hint (`autopack_signed_in=1`, no token): without the hint a load does not try a refresh that
 * could only fail.
 */
export interface Session {
  accessToken: string;
  sessionId: string;
  /** When the access token expires, in this browser's clock (ms). */
  expiresAt: number;
}

const REFRESH_PATH = '/api/auth/refresh';
const LOCK_NAME = 'autopack-console-refresh';
/** The server's cookie name (src/auth/sessions/refresh-cookie.ts). */
const SIGNED_IN_HINT = 'autopack_signed_in';
/** The refresh cookie (and logout by cookie) needs this header: a cross-site form cannot send it. */
const CSRF_HEADERS = { 'X-Requested-With': 'XMLHttpRequest', 'Content-Type': 'application/json' };

let session: Session | null = null;
let inFlight: Promise<boolean> | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();
// Tells the other tabs about a sign-out, so none keeps working on a session that has ended.
const channel =
  typeof BroadcastChannel === 'function' ? new BroadcastChannel('autopack-console-session') : null;
channel?.addEventListener('message', (event: MessageEvent) => {
  if ((event.data as { type?: string } | null)?.type === 'signed-out') setSession(null);
});

export const currentSession = (): Session | null => session;

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

interface TokenResponse {
  access_token: string;
  expires_in: number;
  session_id: string;
}

function setSession(next: Session | null): void {
  session = next;
  clearTimeout(timer);
  if (next) {
    // Refresh ahead of expiry: at 80 % of the lifetime, and at least a minute early for long ones.
    const lifetime = next.expiresAt - Date.now();
    const delay = Math.max(1_000, Math.min(lifetime * 0.8, lifetime - 60_000));
    timer = setTimeout(() => void refresh(), delay);
  }
  listeners.forEach((listener) => listener());
}

function adopt(body: TokenResponse): void {
  setSession({
    accessToken: body.access_token,
    sessionId: body.session_id,
    expiresAt: Date.now() + body.expires_in * 1000,
  });
}

/** Password sign-in; throws the API's error (401 for any wrong combination, 429 when throttled). */
export async function signInWithPassword(username: string, password: string): Promise<void> {
  const response = await fetch('/api/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw await apiErrorOf(response);
  adopt((await response.json()) as TokenResponse);
}

async function exchangeCookie(): Promise<boolean> {
  const response = await fetch(REFRESH_PATH, {
    method: 'POST',
    headers: CSRF_HEADERS,
    credentials: 'same-origin',
    body: '{}',
  });
  if (!response.ok) {
    setSession(null);
    return false;
  }
  adopt((await response.json()) as TokenResponse);
  return true;
}

/**
 * A new access token through the refresh cookie; false when there is no session to continue. Concurrent
 * callers in this tab share one request; tabs take turns through `navigator.locks`.
 */
export function refresh(): Promise<boolean> {
  if (!inFlight) {
    const run = () => exchangeCookie().catch(() => false);
    const locked =
      typeof navigator.locks?.request === 'function'
        ? (navigator.locks.request(LOCK_NAME, run) as Promise<boolean>)
        : run();
    inFlight = locked.finally(() => {
      inFlight = null;
    });
  }
  return inFlight;
}

/** Whether the server's signed-in hint is there: set and cleared together with the refresh cookie. */
const signedInHint = (): boolean => document.cookie.split('; ').includes(`${SIGNED_IN_HINT}=1`);

/** On load: continues the session of an earlier visit, when this browser has one to continue. */
export const resume = (): Promise<boolean> => (signedInHint() ? refresh() : Promise.resolve(false));

/**
 * Ends this session on the server (DELETE /api/auth/sessions/{id}, the browser's way: the refresh cookie
 * is never sent to /logout), then forgets it here and in the other tabs.
 */
export async function signOut(): Promise<void> {
  const current = session;
  if (current) {
    await fetch(`/api/auth/sessions/${encodeURIComponent(current.sessionId)}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${current.accessToken}` },
      credentials: 'same-origin',
    }).catch(() => undefined);
  }
  setSession(null);
  channel?.postMessage({ type: 'signed-out' });
}

/** Called by the API client when the server says the token is no longer good (401). */
export const sessionExpired = (): void => setSession(null);
