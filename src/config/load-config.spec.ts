import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadExternalActionsPolicy } from '../external-actions/external-actions-policy';
import type { AppConfig } from './app-config';
import { ConfigError } from './config-error';
import { loadConfig as loadAppConfig, PROJECT_ROOT } from './load-config';
import type { RawEnv } from './secret-env';

/**
 * The configuration, plus the external-actions policy its module loads from the configured file (the
 * policy moved out of AppConfig into ExternalActionsModule's provider; these tests predate the move).
 */
const loadConfig = (env: RawEnv) => {
  const config = loadAppConfig(env);
  const externalActionsPolicy = loadExternalActionsPolicy(config.externalActionsPolicyFile);
  return Object.assign(Object.create(config) as AppConfig, { externalActionsPolicy });
};

const KEY = 'instance-key-for-config-tests-0001';
const DB = 'postgres://autopack:db-password-xyz@db.internal:5432/autopack';
const rsaPem = (modulusLength: number) => {
  const pair = generateKeyPairSync('rsa', { modulusLength });
  return {
    privatePem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
};
const RSA = rsaPem(2048);
const CREDENTIALS_KEY = randomBytes(32).toString('base64');
/** Everything production needs besides the database URL and the instance key (and the runs root). */
const PRODUCTION_KEYS = {
  AUTOPACK_RUNS_ROOT: '/var/lib/autopack/runs',
  JWT_PRIVATE_KEY: RSA.privatePem,
  JWT_PUBLIC_KEY: RSA.publicPem,
  AUTOPACK_CREDENTIALS_KEY: CREDENTIALS_KEY,
};

describe('loadConfig', () => {
  it('defaults to development on port 8000 with the embedded database', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.port).toBe(8000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.trustedProxies).toEqual([]);
  });

  it.each([
    [{ ...PRODUCTION_KEYS, DATABASE_URL: DB }, /AUTOPACK_API_KEY/],
    [{ ...PRODUCTION_KEYS, AUTOPACK_API_KEY: KEY }, /DATABASE_URL/],
    [{}, /DATABASE_URL.*AUTOPACK_API_KEY/],
    [
      { DATABASE_URL: DB, AUTOPACK_API_KEY: KEY, AUTOPACK_CREDENTIALS_KEY: CREDENTIALS_KEY },
      /JWT_PRIVATE_KEY/,
    ],
    [
      {
        DATABASE_URL: DB,
        AUTOPACK_API_KEY: KEY,
        JWT_PRIVATE_KEY: RSA.privatePem,
        JWT_PUBLIC_KEY: RSA.publicPem,
      },
      /AUTOPACK_CREDENTIALS_KEY/,
    ],
  ])('production refuses to start without its secrets (%#)', (env, message) => {
    expect(() => loadConfig({ AUTOPACK_ENV: 'production', ...env })).toThrow(message);
    expect(() => loadConfig({ AUTOPACK_ENV: 'production', ...env })).toThrow(ConfigError);
  });

  it('production accepts secrets given as files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'autopack-config-'));
    writeFileSync(join(dir, 'db'), `${DB}\n`);
    writeFileSync(join(dir, 'key'), `${KEY}\n`);
    writeFileSync(join(dir, 'jwt.key'), RSA.privatePem);
    writeFileSync(join(dir, 'jwt.pub'), RSA.publicPem);
    writeFileSync(join(dir, 'credentials'), `${CREDENTIALS_KEY}\n`);
    const config = loadConfig({
      AUTOPACK_ENV: 'production',
      DATABASE_URL_FILE: join(dir, 'db'),
      AUTOPACK_API_KEY_FILE: join(dir, 'key'),
      JWT_PRIVATE_KEY_FILE: join(dir, 'jwt.key'),
      JWT_PUBLIC_KEY_FILE: join(dir, 'jwt.pub'),
      AUTOPACK_CREDENTIALS_KEY_FILE: join(dir, 'credentials'),
      AUTOPACK_RUNS_ROOT: '/var/lib/autopack/runs',
    });
    expect(config.databaseUrl).toBe(DB);
    expect(config.apiKey).toBe(KEY);
    expect(config.jwtPrivateKey).toBe(RSA.privatePem.trimEnd()); // the file's trailing newline is stripped
    expect(config.credentialsKey).toEqual(Buffer.from(CREDENTIALS_KEY, 'base64'));
  });

  it('defaults the run token cap, patch cap and run-start rate limit, and reads overrides', () => {
    const defaults = loadConfig({});
    expect(defaults.runTokenCapDefault).toBe(5_000_000);
    expect(defaults.maxPatchBytes).toBe(1024 * 1024);
    expect(defaults.rateLimits.runs_start).toBe(10);
    const custom = loadConfig({
      RUN_TOKEN_CAP: '1000',
      AUTOPACK_MAX_PATCH_BYTES: '2048',
      AUTOPACK_RATE_LIMIT_RUNS_START_PER_MINUTE: '3',
    });
    expect(custom.runTokenCapDefault).toBe(1000);
    expect(custom.maxPatchBytes).toBe(2048);
    expect(custom.rateLimits.runs_start).toBe(3);
  });

  it('external actions: everything off, dry-run on, caps and lifetimes by default; overrides are read', () => {
    const defaults = loadConfig({});
    expect(defaults.externalActionsEnabled).toBe(false);
    expect(Object.values(defaults.domainSwitches)).toEqual([false, false, false, false]);
    expect(defaults.sideEffectsDryRun).toBe(true);
    expect(defaults.maxDailySpendCents).toBe(0);
    expect(defaults.maxActionsPerDay).toBe(50);
    expect(defaults.actionApprovalTtlSeconds).toBe(86_400);
    expect(defaults.actionLeaseSeconds).toBe(300);
    expect(Object.keys(defaults.externalActionsPolicy.providers)).toEqual([
      'etsy',
      'shopify',
      'youtube',
      'broker',
    ]);

    const set = loadConfig({
      AUTOPACK_EXTERNAL_ACTIONS_ENABLED: '1',
      AUTOPACK_ENABLE_TRADING_ORDERS: '1',
      AUTOPACK_SIDE_EFFECTS_DRY_RUN: '0',
      AUTOPACK_MAX_DAILY_SPEND_USD: '12.5',
      AUTOPACK_MAX_ACTIONS_PER_DAY: '7',
      AUTOPACK_ACTION_APPROVAL_TTL_SECONDS: '3600',
      AUTOPACK_ACTION_LEASE_SECONDS: '60',
    });
    expect(set.externalActionsEnabled).toBe(true);
    expect(set.domainSwitches).toEqual({
      AUTOPACK_ENABLE_ETSY_PUBLISH: false,
      AUTOPACK_ENABLE_SHOPIFY_PUBLISH: false,
      AUTOPACK_ENABLE_YOUTUBE_PUBLISH: false,
      AUTOPACK_ENABLE_TRADING_ORDERS: true,
    });
    expect(set.sideEffectsDryRun).toBe(false);
    expect(set.maxDailySpendCents).toBe(1250);
    expect(set.maxActionsPerDay).toBe(7);
    expect(set.actionApprovalTtlSeconds).toBe(3600);
    expect(set.actionLeaseSeconds).toBe(60);
  });

  it.each([
    [{ AUTOPACK_EXTERNAL_ACTIONS_ENABLED: 'yes' }, /AUTOPACK_EXTERNAL_ACTIONS_ENABLED/],
    [{ AUTOPACK_ENABLE_ETSY_PUBLISH: 'true' }, /AUTOPACK_ENABLE_ETSY_PUBLISH: must be 0 or 1/],
    [{ AUTOPACK_SIDE_EFFECTS_DRY_RUN: 'off' }, /AUTOPACK_SIDE_EFFECTS_DRY_RUN/],
    [{ AUTOPACK_MAX_DAILY_SPEND_USD: '1.234' }, /AUTOPACK_MAX_DAILY_SPEND_USD/],
    [{ AUTOPACK_MAX_DAILY_SPEND_USD: '-5' }, /AUTOPACK_MAX_DAILY_SPEND_USD/],
    [{ AUTOPACK_MAX_ACTIONS_PER_DAY: '-1' }, /AUTOPACK_MAX_ACTIONS_PER_DAY/],
    [{ AUTOPACK_ACTION_LEASE_SECONDS: '0' }, /AUTOPACK_ACTION_LEASE_SECONDS/],
    [
      { AUTOPACK_EXTERNAL_ACTIONS_POLICY_FILE: '/nonexistent/policy.yaml' },
      /external actions policy .* cannot be read/,
    ],
  ])('refuses invalid external-actions settings (%#)', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('ignores AUTOPACK_PUBLIC_READ in production', () => {
    expect(loadConfig({ AUTOPACK_PUBLIC_READ: '1' }).publicRead).toBe(true);
    expect(
      loadConfig({
        ...PRODUCTION_KEYS,
        AUTOPACK_ENV: 'production',
        DATABASE_URL: DB,
        AUTOPACK_API_KEY: KEY,
        AUTOPACK_PUBLIC_READ: '1',
      }).publicRead,
    ).toBe(false);
  });

  it.each([
    [{ AUTOPACK_ENV: 'staging' }, /^AUTOPACK_ENV: must be one of/],
    [{ PORT: 'eighty' }, /^PORT:/],
    [{ AUTOPACK_TRUSTED_PROXIES: '10.0.0.1, not-an-ip' }, /not-an-ip/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL: must be a postgres/],
    [{ AUTOPACK_API_KEY: 'short' }, /at least 16/],
    [{ RUN_TOKEN_CAP: '0' }, /^RUN_TOKEN_CAP:/],
    [{ RUN_TOKEN_CAP: '1.5' }, /^RUN_TOKEN_CAP:/],
    [{ AUTOPACK_MAX_PATCH_BYTES: '10' }, /^AUTOPACK_MAX_PATCH_BYTES:/],
    [{ AUTOPACK_RATE_LIMIT_RUNS_START_PER_MINUTE: '0' }, /^AUTOPACK_RATE_LIMIT_RUNS_START_PER_MINUTE:/],
  ])('rejects invalid settings with one line naming the variable (%#)', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never puts a secret into the summary it logs', () => {
    const config = loadConfig({ DATABASE_URL: DB, AUTOPACK_API_KEY: KEY, ...PRODUCTION_KEYS });
    const summary = JSON.stringify(config.summary());
    expect(summary).not.toContain('db-password-xyz');
    expect(summary).not.toContain(KEY);
    expect(summary).not.toContain(CREDENTIALS_KEY);
    expect(summary).not.toContain('PRIVATE KEY');
    expect(summary).not.toContain(RSA.privatePem.split('\n')[1]);
    expect(config.summary()).toMatchObject({ jwt_keys: '***', credentials_key: '***' });
    expect(summary).toContain('db.internal:5432');
  });

  it('does not echo an invalid value that might be a secret', () => {
    expect(() => loadConfig({ DATABASE_URL: 'https://user:hunter2hunter2@x' })).toThrow(/^DATABASE_URL/);
    try {
      loadConfig({ DATABASE_URL: 'https://user:hunter2hunter2@x' });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  describe('artifact settings', () => {
    const production = {
      AUTOPACK_ENV: 'production',
      DATABASE_URL: DB,
      AUTOPACK_API_KEY: KEY,
      ...PRODUCTION_KEYS,
    };

    it('defaults: <project>/.data/runs, 5000 index entries, a 1 MiB read cap, redaction only in production', () => {
      const dev = loadConfig({});
      expect(dev.runsRoot).toBe(join(PROJECT_ROOT, '.data', 'runs'));
      expect(dev.artifactIndexMaxEntries).toBe(5000);
      expect(dev.artifactReadSizeCap).toBe(1024 * 1024);
      expect(dev.artifactRedaction).toBe(false);
      expect(dev.rateLimits.artifacts_index).toBe(60);
      expect(dev.rateLimits.artifacts_file).toBe(240);
      const prod = loadConfig(production);
      expect(prod.runsRoot).toBe('/var/lib/autopack/runs');
      expect(prod.artifactRedaction).toBe(true);
    });

    it('reads overrides', () => {
      const config = loadConfig({
        AUTOPACK_RUNS_ROOT: 'relative/runs',
        AUTOPACK_ARTIFACT_INDEX_MAX_ENTRIES: '10',
        AUTOPACK_ARTIFACT_READ_SIZE_CAP: '4096',
        AUTOPACK_ARTIFACT_REDACTION: '1',
        AUTOPACK_RATE_LIMIT_ARTIFACTS_FILE_PER_MINUTE: '7',
      });
      expect(config.runsRoot).toBe(resolve('relative/runs'));
      expect(config.artifactIndexMaxEntries).toBe(10);
      expect(config.artifactReadSizeCap).toBe(4096);
      expect(config.artifactRedaction).toBe(true);
      expect(config.rateLimits.artifacts_file).toBe(7);
      expect(loadConfig({ ...production, AUTOPACK_ARTIFACT_REDACTION: '0' }).artifactRedaction).toBe(false);
    });

    it('production requires an absolute AUTOPACK_RUNS_ROOT, with a message that says so', () => {
      const { AUTOPACK_RUNS_ROOT: _root, ...withoutRoot } = production;
      expect(() => loadConfig(withoutRoot)).toThrow(/^production requires AUTOPACK_RUNS_ROOT: /);
      expect(() => loadConfig({ ...production, AUTOPACK_RUNS_ROOT: 'runs' })).toThrow(
        'AUTOPACK_RUNS_ROOT: must be an absolute path in production',
      );
    });

    it.each([
      [{ AUTOPACK_ARTIFACT_INDEX_MAX_ENTRIES: '0' }, /^AUTOPACK_ARTIFACT_INDEX_MAX_ENTRIES:/],
      [{ AUTOPACK_ARTIFACT_READ_SIZE_CAP: '100' }, /^AUTOPACK_ARTIFACT_READ_SIZE_CAP:/],
      [{ AUTOPACK_ARTIFACT_REDACTION: 'yes' }, /^AUTOPACK_ARTIFACT_REDACTION:/],
    ])('refuses a bad artifact setting (%#)', (env, message) => {
      expect(() => loadConfig(env)).toThrow(message);
    });
  });

  describe('identity settings', () => {
    const production = {
      AUTOPACK_ENV: 'production',
      DATABASE_URL: DB,
      AUTOPACK_API_KEY: KEY,
      AUTOPACK_RUNS_ROOT: '/srv/runs',
    };

    it('defaults: 15-minute tokens, registration open outside production only, the four providers', () => {
      const dev = loadConfig({});
      expect(dev.jwtTtlSeconds).toBe(900);
      expect(dev.jwtPrivateKey).toBeUndefined();
      expect(dev.allowRegistration).toBe(true);
      expect(dev.oauthProviders).toEqual(['etsy', 'shopify', 'youtube', 'broker']);
      expect(dev.rateLimits.login).toBe(5);
      const prod = loadConfig({ ...production, ...PRODUCTION_KEYS });
      expect(prod.allowRegistration).toBe(false);
      expect(
        loadConfig({ ...production, ...PRODUCTION_KEYS, AUTOPACK_ALLOW_REGISTRATION: '1' }).allowRegistration,
      ).toBe(true);
    });

    it('accepts a PEM whose newlines were written as \\n in one environment line', () => {
      const config = loadConfig({
        JWT_PRIVATE_KEY: RSA.privatePem.replace(/\n/g, '\\n'),
        JWT_PUBLIC_KEY: RSA.publicPem.replace(/\n/g, '\\n'),
      });
      expect(config.jwtPrivateKey).toBe(RSA.privatePem);
    });

    it('reads the OAuth token host allowlist and refresh deadline, refusing malformed hosts', () => {
      expect(loadConfig({}).oauthTokenHosts).toEqual([]);
      expect(loadConfig({}).oauthRefreshTimeoutMs).toBe(10_000);
      const config = loadConfig({
        AUTOPACK_OAUTH_TOKEN_HOSTS: ' API.Etsy.com , *.myshopify.com,api.etsy.com',
        AUTOPACK_OAUTH_REFRESH_TIMEOUT_SECONDS: '3',
      });
      expect(config.oauthTokenHosts).toEqual(['api.etsy.com', '*.myshopify.com']);
      expect(config.oauthRefreshTimeoutMs).toBe(3000);
      for (const bad of [
        'https://api.etsy.com',
        'api.etsy.com:443',
        '*.com',
        '*',
        '169.254.169.254',
        'a/b',
      ]) {
        expect(() => loadConfig({ AUTOPACK_OAUTH_TOKEN_HOSTS: bad })).toThrow(
          /^AUTOPACK_OAUTH_TOKEN_HOSTS: /,
        );
      }
      expect(() => loadConfig({ AUTOPACK_OAUTH_REFRESH_TIMEOUT_SECONDS: '0' })).toThrow(
        /AUTOPACK_OAUTH_REFRESH_TIMEOUT_SECONDS/,
      );
    });

    it('production without credential storage needs no credentials key', () => {
      const config = loadConfig({
        ...production,
        JWT_PRIVATE_KEY: RSA.privatePem,
        JWT_PUBLIC_KEY: RSA.publicPem,
        AUTOPACK_OAUTH_PROVIDERS: 'none',
      });
      expect(config.credentialStorageEnabled).toBe(false);
      expect(config.credentialsKey).toBeUndefined();
    });

    const other = rsaPem(2048);
    it.each([
      [{ JWT_PRIVATE_KEY: RSA.privatePem }, /must be set together/],
      [{ JWT_PUBLIC_KEY: RSA.publicPem }, /must be set together/],
      [
        { JWT_PRIVATE_KEY: 'not a key', JWT_PUBLIC_KEY: RSA.publicPem },
        /^JWT_PRIVATE_KEY: is not a PEM private key$/,
      ],
      [
        { JWT_PRIVATE_KEY: RSA.privatePem, JWT_PUBLIC_KEY: 'nope' },
        /^JWT_PUBLIC_KEY: is not a PEM public key$/,
      ],
      [
        { JWT_PRIVATE_KEY: RSA.privatePem, JWT_PUBLIC_KEY: other.publicPem },
        /does not belong to JWT_PRIVATE_KEY/,
      ],
      [{ JWT_TTL_SECONDS: String(24 * 3600 + 1) }, /^JWT_TTL_SECONDS:/],
      [{ JWT_TTL_SECONDS: '10' }, /^JWT_TTL_SECONDS:/],
      [{ AUTOPACK_CREDENTIALS_KEY: randomBytes(16).toString('base64') }, /32 random bytes/],
      [{ AUTOPACK_CREDENTIALS_KEY: 'not base64 at all!' }, /32 random bytes/],
      [{ AUTOPACK_OAUTH_PROVIDERS: 'etsy,Bad Name' }, /Bad Name/],
      [{ AUTOPACK_ALLOW_REGISTRATION: 'yes' }, /^AUTOPACK_ALLOW_REGISTRATION:/],
      [{ AUTOPACK_LOGIN_RATE_LIMIT_PER_MINUTE: '0' }, /^AUTOPACK_LOGIN_RATE_LIMIT_PER_MINUTE:/],
    ])('rejects a bad identity setting with a message naming it (%#)', (env, message) => {
      expect(() => loadConfig(env)).toThrow(message);
    });

    it('refuses an RSA key shorter than 2048 bits', () => {
      const weak = rsaPem(1024);
      expect(() => loadConfig({ JWT_PRIVATE_KEY: weak.privatePem, JWT_PUBLIC_KEY: weak.publicPem })).toThrow(
        /at least 2048 bits/,
      );
    });
  });
});
