import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

const KEY = 'instance-key-for-config-tests-0001';
const DB = 'postgres://autopack:db-password-xyz@db.internal:5432/autopack';

describe('loadConfig', () => {
  it('defaults to development on port 8000 with the embedded database', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.port).toBe(8000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.trustedProxies).toEqual([]);
  });

  it.each([
    [{ DATABASE_URL: DB }, /AUTOPACK_API_KEY/],
    [{ AUTOPACK_API_KEY: KEY }, /DATABASE_URL/],
    [{}, /DATABASE_URL.*AUTOPACK_API_KEY/],
  ])('production refuses to start without its secrets (%#)', (env, message) => {
    expect(() => loadConfig({ AUTOPACK_ENV: 'production', ...env })).toThrow(message);
    expect(() => loadConfig({ AUTOPACK_ENV: 'production', ...env })).toThrow(ConfigError);
  });

  it('production accepts secrets given as files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'autopack-config-'));
    writeFileSync(join(dir, 'db'), `${DB}\n`);
    writeFileSync(join(dir, 'key'), `${KEY}\n`);
    const config = loadConfig({
      AUTOPACK_ENV: 'production',
      DATABASE_URL_FILE: join(dir, 'db'),
      AUTOPACK_API_KEY_FILE: join(dir, 'key'),
    });
    expect(config.databaseUrl).toBe(DB);
    expect(config.apiKey).toBe(KEY);
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

  it('ignores AUTOPACK_PUBLIC_READ in production', () => {
    expect(loadConfig({ AUTOPACK_PUBLIC_READ: '1' }).publicRead).toBe(true);
    expect(
      loadConfig({
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
    const config = loadConfig({ DATABASE_URL: DB, AUTOPACK_API_KEY: KEY });
    const summary = JSON.stringify(config.summary());
    expect(summary).not.toContain('db-password-xyz');
    expect(summary).not.toContain(KEY);
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
});
