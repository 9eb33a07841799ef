import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface OidcClientRegistration {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

export interface OidcAccount {
  email?: string;
  email_verified?: boolean;
  groups?: string[];
  name?: string;
  preferred_username?: string;
}

export interface OidcProvider {
  issuer: string;
  stop(): Promise<void>;
}

/**
 * Starts a real OpenID Provider (the certified `oidc-provider` package, test/support/oidc-provider.mjs) on
 * a free loopback port, in a child process (it is ESM; the app's side, openid-client, runs in Jest).
 */
export async function startOidcProvider(setup: {
  clients: OidcClientRegistration[];
  accounts: Record<string, OidcAccount>;
}): Promise<OidcProvider> {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(__dirname, '..', 'support', 'oidc-provider.mjs'), JSON.stringify(setup)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const issuer = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`the OpenID provider did not start: ${stderr}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const ready = /READY (\S+)/.exec(stdout);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the OpenID provider exited (${code}): ${stderr}`));
    });
  });
  return {
    issuer,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A browser at the provider: follows its redirects by hand, keeping its cookies, from an authorization
 * URL to the redirect back to the client (returned, not followed). At the login interaction it signs in
 * as `account`; at consent it grants what was asked.
 */
export async function authorizeAtProvider(authorizationUrl: string, account: string): Promise<URL> {
  const cookies = new Map<string, string>();
  let url = new URL(authorizationUrl);
  for (let hop = 0; hop < 12; hop++) {
    if (url.pathname.startsWith('/interaction/')) url.searchParams.set('account', account);
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const location = res.headers.get('location');
    if (!location)
      throw new Error(`the provider answered ${res.status} at ${url.pathname}: ${await res.text()}`);
    const next = new URL(location, url);
    if (next.origin !== url.origin) return next;
    url = next;
  }
  throw new Error('too many redirects at the provider');
}
