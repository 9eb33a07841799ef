/** Which sign-in methods the server offers. */
export interface SignInMethods {
  password: boolean;
  sso: boolean;
}

/**
 * GET /api/auth/methods. A plain fetch, not the typed client: the route is added by the SSO work in
 * parallel and is not in docs/openapi.json yet. A server without it (404) offers passwords only.
 */
export async function fetchSignInMethods(): Promise<SignInMethods> {
  try {
    const response = await fetch('/api/auth/methods', { credentials: 'same-origin' });
    if (!response.ok) return { password: true, sso: false };
    const body = (await response.json()) as Partial<SignInMethods>;
    return { password: body.password !== false, sso: body.sso === true };
  } catch {
    return { password: true, sso: false };
  }
}

/** Where the SSO button goes: the server's login route, which comes back to `returnTo` in the console. */
export const ssoLoginUrl = (returnTo: string): string =>
  `/api/auth/sso/login?return_to=${encodeURIComponent(returnTo)}`;
