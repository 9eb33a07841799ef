import { api } from '../api/client';

/** Which sign-in methods the server offers. */
export interface SignInMethods {
  password: boolean;
  sso: boolean;
}

/**
 * GET /api/auth/methods. If the server cannot say (unreachable, an error), the page offers the password
 * form: the server refuses it itself when password sign-in is switched off.
 */
export async function fetchSignInMethods(): Promise<SignInMethods> {
  try {
    const { data } = await api.GET('/api/auth/methods');
    return data ? { password: data.password, sso: data.sso } : { password: true, sso: false };
  } catch {
    return { password: true, sso: false };
  }
}

/** Where the SSO button goes: the server's login route, which comes back to `returnTo` in the console. */
export const ssoLoginUrl = (returnTo: string): string =>
  `/api/auth/sso/login?return_to=${encodeURIComponent(returnTo)}`;
