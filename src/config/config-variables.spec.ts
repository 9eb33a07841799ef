import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOMAIN_SWITCHES } from '../external-actions/external-actions-policy';
import { RATE_LIMITS } from '../rate-limit/rate-limits';
import { AppConfig } from './app-config';
import { renderConfigTable } from './config-docs';
import { CONFIG_VARIABLES, configVariables, PRODUCTION_REQUIRED_SECRETS } from './config-variables';
import { loadConfig } from './load-config';
import { PROJECT_ROOT } from './project-root';

const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
/** A recognisable value for every secret of the table. */
const SECRET_VALUES: Record<string, string> = {
  DATABASE_URL: 'postgres://autopack:sentinel-db-password@db.internal:5432/autopack',
  AUTOPACK_API_KEY: 'sentinel-instance-key-0123456789',
  JWT_PRIVATE_KEY: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  JWT_PUBLIC_KEY: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  AUTOPACK_CREDENTIALS_KEY: randomBytes(32).toString('base64'),
  // Public keys, but `_FILE`-able like the pair: the summary shows how many, never the keys.
  JWT_PREVIOUS_PUBLIC_KEYS: generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString(),
  // Not secret, but `_FILE`-able like the client secret it comes with.
  AUTOPACK_SSO_CLIENT_ID: 'sentinel-sso-client-id',
  AUTOPACK_SSO_CLIENT_SECRET: 'sentinel-sso-client-secret-0123',
};
/** SSO needs its issuer with the client id and secret (half a configuration refuses to start). */
const WITH_SSO_ISSUER = { AUTOPACK_SSO_ISSUER_URL: 'https://idp.example.com' };

describe('the configuration table', () => {
  it('gives every secret a sentinel here, so a new secret cannot skip the masking test', () => {
    const secrets = configVariables()
      .filter(([, spec]) => spec.secret)
      .map(([name]) => name);
    expect(secrets.sort()).toEqual(Object.keys(SECRET_VALUES).sort());
  });

  it('masks every secret in the start-up summary, whatever its shape', () => {
    const config = loadConfig({ ...SECRET_VALUES, ...WITH_SSO_ISSUER });
    const summary = JSON.stringify(config.summary());
    for (const value of Object.values(SECRET_VALUES)) {
      for (const line of value.split('\n').filter((part) => part.length > 8)) {
        expect(summary).not.toContain(line);
      }
    }
    expect(summary).not.toContain('sentinel');
    expect(summary).not.toContain(config.credentialsKey!.toString('base64'));
    expect(config.summary()).toMatchObject({
      database_url: 'postgres://***@db.internal:5432/autopack',
      api_key: '***',
      jwt_keys: '***',
      jwt_previous_keys: 1,
      credentials_key: '***',
    });
    expect(loadConfig({}).summary()).toMatchObject({
      database_url: 'embedded',
      api_key: 'unset',
      jwt_keys: 'ephemeral',
      credentials_key: 'unset',
      log_file: 'stdout',
    });
  });

  it('puts every field of the table into the summary, under its snake_case name', () => {
    const summary = loadConfig({}).summary();
    expect(summary).toMatchObject({
      port: 8000,
      host: '127.0.0.1',
      body_limit_bytes: 2 * 1024 * 1024,
      oauth_refresh_timeout_ms: 10_000,
      external_actions_policy_file: join(PROJECT_ROOT, 'config', 'external-actions-policy.yaml'),
      rate_limits: { default: 600, login: 5 },
    });
  });

  it('derives the AppConfig fields from the variables (field name, parser, default)', () => {
    const config = loadConfig({ PORT: '9000', AUTOPACK_OAUTH_REFRESH_TIMEOUT_SECONDS: '2' });
    expect(config).toBeInstanceOf(AppConfig);
    expect(config.port).toBe(9000);
    expect(config.oauthRefreshTimeoutMs).toBe(2000);
    for (const [name, spec] of configVariables()) {
      if (spec.field === undefined || typeof spec.default === 'function') continue;
      expect([name, (config as unknown as Record<string, unknown>)[spec.field]]).toEqual([
        name,
        name === 'PORT' ? 9000 : name === 'AUTOPACK_OAUTH_REFRESH_TIMEOUT_SECONDS' ? 2000 : spec.default,
      ]);
    }
  });

  it('applies defaults that depend on the environment kind', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ AUTOPACK_ENV: 'test' }).logLevel).toBe('silent');
    expect(loadConfig({}).logLevel).toBe('info');
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ PORT: '', AUTOPACK_ENV: '' })).toMatchObject({ port: 8000, env: 'development' });
  });

  it('declares the rate limits and domain switches from their own lists', () => {
    for (const { env } of Object.values(RATE_LIMITS)) expect(CONFIG_VARIABLES).toHaveProperty(env);
    for (const name of DOMAIN_SWITCHES) expect(CONFIG_VARIABLES).toHaveProperty(name);
  });

  it('requires in production exactly the secrets the deployment templates provide', () => {
    expect(PRODUCTION_REQUIRED_SECRETS).toEqual([
      'DATABASE_URL',
      'AUTOPACK_API_KEY',
      'JWT_PRIVATE_KEY',
      'JWT_PUBLIC_KEY',
      'AUTOPACK_CREDENTIALS_KEY',
    ]);
  });

  it('says "required in production" in the README row of every variable production requires', () => {
    for (const [name, spec] of configVariables()) {
      if (!spec.requiredInProduction) continue;
      const row = renderConfigTable()
        .split('\n')
        .find((line) => line.includes(`\`${name}\``));
      expect([name, row]).toEqual([name, expect.stringContaining('**required in production**')]);
    }
  });
});

describe('renderConfigTable', () => {
  const table = renderConfigTable();

  it('has one row per variable or group, in table order, with derived defaults', () => {
    const lines = table.split('\n');
    expect(lines.slice(0, 2)).toEqual(['| variable | default | meaning |', '|---|---|---|']);
    expect(lines[2]).toBe('| `AUTOPACK_ENV` | `development` | `development`, `test` or `production` |');
    expect(lines).toContain(
      '| `PORT` / `HOST` | `8000` / `127.0.0.1` (`0.0.0.0` in production) | where the API listens |',
    );
    expect(lines).toContain(
      '| `JWT_PRIVATE_KEY` / `JWT_PUBLIC_KEY` (secrets, PEM) | generated in development, kept in the data directory | RS256 signing keys for user tokens; **required in production** |',
    );
    expect(lines).toContain(
      '| `AUTOPACK_RATE_LIMIT_RUNS_START_PER_MINUTE` | `10` | `POST /runs/start` per principal |',
    );
    expect(lines).toContain(
      '| `AUTOPACK_SIDE_EFFECTS_DRY_RUN` | `1` | granted claims are dry runs; `0` executes for real |',
    );
  });

  it('names every variable of the table exactly once', () => {
    for (const [name] of configVariables()) {
      expect([name, table.split(`\`${name}\``).length - 1]).toEqual([name, 1]);
    }
  });

  it('is what the README carries (npm run contract writes it; contract:check fails on drift)', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`-->\n\n${table}\n\n<!-- END GENERATED: config-table -->`);
  });
});
