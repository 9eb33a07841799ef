import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

const SSO = {
  AUTOPACK_SSO_ISSUER_URL: 'https://login.example.com/realms/acme',
  AUTOPACK_SSO_CLIENT_ID: 'autopack',
  AUTOPACK_SSO_CLIENT_SECRET: 'sso-client-secret-for-config-tests',
};

const production = () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    AUTOPACK_ENV: 'production',
    DATABASE_URL: 'postgres://autopack:pw@db.internal:5432/autopack',
    AUTOPACK_API_KEY: 'instance-key-for-config-tests-0001',
    JWT_PRIVATE_KEY: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    JWT_PUBLIC_KEY: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    AUTOPACK_CREDENTIALS_KEY: randomBytes(32).toString('base64'),
    AUTOPACK_RUNS_ROOT: '/var/lib/autopack/runs',
    AUTOPACK_CONSOLE_URL: 'https://autopack.example.com/console',
  };
};

describe('SSO configuration', () => {
  it('is off by default, with password login on', () => {
    const config = loadConfig({});
    expect(config.sso).toBeUndefined();
    expect(config.passwordLogin).toBe(true);
  });

  it('is on with issuer, client id and secret; the redirect URI defaults to the console origin', () => {
    const config = loadConfig({ ...SSO, AUTOPACK_CONSOLE_URL: 'https://ops.example.com/console' });
    expect(config.sso).toEqual({
      issuer: SSO.AUTOPACK_SSO_ISSUER_URL,
      clientId: 'autopack',
      clientSecret: SSO.AUTOPACK_SSO_CLIENT_SECRET,
      redirectUri: 'https://ops.example.com/api/auth/sso/callback',
      scopes: 'openid email profile',
      allowedEmailDomains: [],
      groupsClaim: 'groups',
      requiredGroup: undefined,
      roleMap: {},
    });
  });

  it('reads the client id and secret from *_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'autopack-sso-config-'));
    writeFileSync(join(dir, 'id'), 'autopack\n');
    writeFileSync(join(dir, 'secret'), `${SSO.AUTOPACK_SSO_CLIENT_SECRET}\n`);
    const config = loadConfig({
      AUTOPACK_SSO_ISSUER_URL: SSO.AUTOPACK_SSO_ISSUER_URL,
      AUTOPACK_SSO_CLIENT_ID_FILE: join(dir, 'id'),
      AUTOPACK_SSO_CLIENT_SECRET_FILE: join(dir, 'secret'),
    });
    expect(config.sso).toMatchObject({ clientId: 'autopack', clientSecret: SSO.AUTOPACK_SSO_CLIENT_SECRET });
  });

  it.each([
    [
      { AUTOPACK_SSO_ISSUER_URL: SSO.AUTOPACK_SSO_ISSUER_URL },
      /AUTOPACK_SSO_CLIENT_ID and AUTOPACK_SSO_CLIENT_SECRET/,
    ],
    [{ AUTOPACK_SSO_CLIENT_SECRET: 'x-secret' }, /AUTOPACK_SSO_ISSUER_URL and AUTOPACK_SSO_CLIENT_ID/],
    [{ ...SSO, AUTOPACK_SSO_CLIENT_ID: '' }, /AUTOPACK_SSO_CLIENT_ID/],
  ])('refuses to start half-configured, in every environment (%#)', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('production refuses SSO over plain http: the issuer (loopback included) and the redirect URI', () => {
    expect(loadConfig({ ...production(), ...SSO }).sso?.redirectUri).toBe(
      'https://autopack.example.com/api/auth/sso/callback',
    );
    for (const issuer of ['http://login.example.com', 'http://127.0.0.1:8080', 'http://localhost/realms/x']) {
      expect(() => loadConfig({ ...production(), ...SSO, AUTOPACK_SSO_ISSUER_URL: issuer })).toThrow(
        /AUTOPACK_SSO_ISSUER_URL: production refuses SSO over plain http/,
      );
    }
    expect(() =>
      loadConfig({
        ...production(),
        ...SSO,
        AUTOPACK_SSO_REDIRECT_URI: 'http://autopack.example.com/api/auth/sso/callback',
      }),
    ).toThrow(/AUTOPACK_SSO_REDIRECT_URI: production refuses/);
    expect(() =>
      loadConfig({ ...production(), ...SSO, AUTOPACK_CONSOLE_URL: 'http://autopack.example.com/console' }),
    ).toThrow(/AUTOPACK_CONSOLE_URL: production refuses/);
    // Outside production a provider on loopback http is fine (the tests run one).
    expect(loadConfig({ ...SSO, AUTOPACK_SSO_ISSUER_URL: 'http://127.0.0.1:8080' }).sso).toBeDefined();
  });

  it('password login can be switched off only with SSO on', () => {
    expect(loadConfig({ ...SSO, AUTOPACK_PASSWORD_LOGIN: '0' }).passwordLogin).toBe(false);
    expect(() => loadConfig({ AUTOPACK_PASSWORD_LOGIN: '0' })).toThrow(
      /AUTOPACK_PASSWORD_LOGIN: 0 needs SSO configured/,
    );
    expect(() => loadConfig({ AUTOPACK_PASSWORD_LOGIN: 'no' })).toThrow(/must be 0 or 1/);
  });

  it('parses domains, group and role map, and refuses malformed ones without echoing them', () => {
    const config = loadConfig({
      ...SSO,
      AUTOPACK_SSO_ALLOWED_EMAIL_DOMAINS: 'Example.com, corp.example.org',
      AUTOPACK_SSO_REQUIRED_GROUP: 'autopack-users',
      AUTOPACK_SSO_ROLE_MAP: 'autopack-admins=admin, ops team=operator',
    });
    expect(config.sso).toMatchObject({
      allowedEmailDomains: ['example.com', 'corp.example.org'],
      requiredGroup: 'autopack-users',
      roleMap: { 'autopack-admins': 'admin', 'ops team': 'operator' },
    });
    expect(() => loadConfig({ ...SSO, AUTOPACK_SSO_ALLOWED_EMAIL_DOMAINS: '@example.com' })).toThrow(
      /email domain/,
    );
    expect(() => loadConfig({ ...SSO, AUTOPACK_SSO_ROLE_MAP: 'admins=root' })).toThrow(
      /<claim value>=<role>/,
    );
    expect(() => loadConfig({ ...SSO, AUTOPACK_SSO_ROLE_MAP: 'a=admin,a=viewer' })).toThrow(/mapped twice/);
    expect(() => loadConfig({ ...SSO, AUTOPACK_SSO_ISSUER_URL: 'ftp://x.example' })).toThrow(/http\(s\) URL/);
    expect(() => loadConfig({ ...SSO, AUTOPACK_SSO_ISSUER_URL: 'https://u:p@x.example' })).toThrow(
      /without credentials/,
    );
    expect(() => loadConfig({ ...SSO, AUTOPACK_SSO_SCOPES: 'email profile' })).toThrow(
      /starting with openid/,
    );
  });

  it('never puts the client id or secret into the summary it logs', () => {
    const summary = JSON.stringify(loadConfig(SSO).summary());
    expect(summary).not.toContain(SSO.AUTOPACK_SSO_CLIENT_SECRET);
    expect(summary).toContain(SSO.AUTOPACK_SSO_ISSUER_URL);
  });
});
