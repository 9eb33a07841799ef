import type { Request, Response } from 'express';
import type { AppConfig } from '../../config/app-config';
import { CONSOLE_BASE } from '../../http/console-static';
import type { ClientInfo } from './sessions.service';

/** The only path the browser sends the refresh cookie to. */
export const REFRESH_PATH = '/api/auth/refresh';

/**
 * The refresh cookie's name. With `Secure` it carries the `__Secure-` prefix, which browsers accept only
 * from a secure origin with the Secure attribute (so an http page cannot plant one).
 */
export const refreshCookieName = (config: Pick<AppConfig, 'cookieSecure'>) =>
  config.cookieSecure ? '__Secure-autopack_refresh' : 'autopack_refresh';

/** The one header a cross-site form or link cannot send (it forces a CORS preflight, which we never allow). */
export const CSRF_HEADER = 'x-requested-with';
export const CSRF_HEADER_VALUE = 'XMLHttpRequest';

/**
 * The signed-in hint: a cookie the console's JavaScript may read, saying only that this browser holds a
 * refresh cookie (value `1`, no token, nothing about the user), so that a first visit does not try a
 * silent refresh that can only fail. It is set and cleared together with the refresh cookie, with its
 * lifetime; its path is the console's, since a page reads only the cookies of its own path. Whoever can
 * forge it gains one refresh attempt that fails without the HttpOnly cookie.
 */
const SIGNED_IN_HINT = 'autopack_signed_in';
const SIGNED_IN_HINT_PATH = CONSOLE_BASE;

export function setRefreshCookie(res: Response, config: AppConfig, token: string, expires: Date): void {
  res.cookie(refreshCookieName(config), token, {
    httpOnly: true,
    secure: config.cookieSecure,
    sameSite: 'strict',
    path: REFRESH_PATH,
    expires,
  });
  res.cookie(SIGNED_IN_HINT, '1', {
    httpOnly: false,
    secure: config.cookieSecure,
    sameSite: 'strict',
    path: SIGNED_IN_HINT_PATH,
    expires,
  });
}

export function clearRefreshCookie(res: Response, config: AppConfig): void {
  res.clearCookie(refreshCookieName(config), {
    httpOnly: true,
    secure: config.cookieSecure,
    sameSite: 'strict',
    path: REFRESH_PATH,
  });
  clearSignedInHint(res, config);
}

/** Only the hint: a browser that sent none of the refresh cookie has no session to continue either. */
export function clearSignedInHint(res: Response, config: AppConfig): void {
  res.clearCookie(SIGNED_IN_HINT, {
    httpOnly: false,
    secure: config.cookieSecure,
    sameSite: 'strict',
    path: SIGNED_IN_HINT_PATH,
  });
}

export function refreshCookieOf(req: Request, config: AppConfig): string | undefined {
  const cookies = (req as { cookies?: Record<string, unknown> }).cookies ?? {};
  const value = cookies[refreshCookieName(config)];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export const sentCsrfHeader = (req: Request) => req.headers[CSRF_HEADER] === CSRF_HEADER_VALUE;

/** The client as the session list shows it: user agent and address (trusted proxies honoured). */
export function clientInfoOf(req: Request): ClientInfo {
  const agent = req.headers['user-agent'];
  return { userAgent: typeof agent === 'string' ? agent : null, ipAddress: req.ip ?? null };
}
