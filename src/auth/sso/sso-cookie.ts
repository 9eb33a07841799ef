import type { Request, Response } from 'express';
import type { AppConfig } from '../../config/app-config';
import { SSO_ATTEMPT_SECONDS } from './sso-refusal';

/** The only path the browser sends the sign-in handle to. */
export const SSO_CALLBACK_PATH = '/api/auth/sso/callback';

const cookieName = (config: Pick<AppConfig, 'cookieSecure'>) =>
  config.cookieSecure ? '__Secure-autopack_sso' : 'autopack_sso';

/**
 * The handle binding a sign-in to the browser that started it. `SameSite=Lax`, not Strict: the callback
 * is a top-level navigation from the provider's site, which a Strict cookie would not be sent on. It is
 * only a handle (the state, nonce and verifier stay on the server), lives ten minutes, and works once.
 */
export function setSsoCookie(res: Response, config: AppConfig, handle: string): void {
  res.cookie(cookieName(config), handle, {
    httpOnly: true,
    secure: config.cookieSecure,
    sameSite: 'lax',
    path: SSO_CALLBACK_PATH,
    maxAge: SSO_ATTEMPT_SECONDS * 1000,
  });
}

export function clearSsoCookie(res: Response, config: AppConfig): void {
  res.clearCookie(cookieName(config), {
    httpOnly: true,
    secure: config.cookieSecure,
    sameSite: 'lax',
    path: SSO_CALLBACK_PATH,
  });
}

export function ssoCookieOf(req: Request, config: AppConfig): string | undefined {
  const cookies = (req as { cookies?: Record<string, unknown> }).cookies ?? {};
  const value = cookies[cookieName(config)];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
