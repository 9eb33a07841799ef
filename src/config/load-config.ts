import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { APP_ENVIRONMENTS, AppConfig, LOG_LEVELS } from './app-config';
import type { AppEnvironment, LogLevel } from './app-config';
import { ConfigError } from './config-error';
import { RATE_LIMITS } from '../rate-limit/rate-limits';
import type { RateLimitName } from '../rate-limit/rate-limits';
import { RawEnv, readSecret } from './secret-env';

/** The project root: this file sits two levels below it, in `src/config` or `dist/config`. */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');

/** The wire format's default `token_cap` for a run (WIRE_FORMAT.md). */
export const DEFAULT_RUN_TOKEN_CAP = 5_000_000;
/** 1 MiB of patch: far above a reviewable change, well below the 2 MiB default body limit. */
export const DEFAULT_MAX_PATCH_BYTES = 1024 * 1024;

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : /^-?\d+$/.test(String(value)) ? Number(value) : value;
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** The non-secret environment variables and their rules. Secrets are resolved separately (`*_FILE`). */
class EnvironmentVariables {
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(APP_ENVIRONMENTS)
  AUTOPACK_ENV?: AppEnvironment;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  HOST?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['0', '1'])
  AUTOPACK_PUBLIC_READ?: '0' | '1';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  AUTOPACK_TRUSTED_PROXIES?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  AUTOPACK_BODY_LIMIT_BYTES?: number;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  AUTOPACK_DATA_DIR?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  AUTOPACK_EMBEDDED_PG_PORT?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  RUN_TOKEN_CAP?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  AUTOPACK_MAX_PATCH_BYTES?: number;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(LOG_LEVELS)
  LOG_LEVEL?: LogLevel;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;
}

/** Each named rate limit from its own variable: a positive integer, else its default. */
function readRateLimits(env: RawEnv): Record<RateLimitName, number> {
  const entries = Object.entries(RATE_LIMITS).map(([name, { env: variable, perMinute }]) => {
    const raw = env[variable];
    if (raw === undefined || raw === '') return [name, perMinute];
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1_000_000) {
      throw new ConfigError(`${variable}: must be an integer from 1 to 1000000 (requests per minute)`);
    }
    return [name, Number(raw)];
  });
  return Object.fromEntries(entries) as Record<RateLimitName, number>;
}

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function parseTrustedProxies(raw: string | undefined): string[] {
  if (!raw) return [];
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const validPrefix = prefix === undefined || /^\d{1,3}$/.test(prefix);
    if (!isIP(address) || !validPrefix) {
      throw new ConfigError(`AUTOPACK_TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range`);
    }
  }
  return entries;
}

/**
 * Builds the process configuration from an environment (normally `process.env`). Throws `ConfigError`
 * with one line saying what is wrong; the caller prints it and exits non-zero.
 */
export function loadConfig(env: RawEnv): AppConfig {
  const secrets = {
    DATABASE_URL: readSecret(env, 'DATABASE_URL'),
    AUTOPACK_API_KEY: readSecret(env, 'AUTOPACK_API_KEY'),
  };

  const vars = plainToInstance(EnvironmentVariables, { ...env, DATABASE_URL: secrets.DATABASE_URL });
  const errors = validateSync(vars, { whitelist: true });
  if (errors.length > 0) {
    const first = errors[0];
    const problem = Object.values(first.constraints ?? {})[0] ?? 'is invalid';
    // Name the variable, never echo its value: it may be a secret pasted into the wrong place.
    throw new ConfigError(`${first.property}: ${problem.replace(/^\S+ /, '')}`);
  }

  const appEnv = vars.AUTOPACK_ENV ?? 'development';
  const isProduction = appEnv === 'production';

  if (isProduction) {
    const missing = [
      secrets.DATABASE_URL === undefined && 'DATABASE_URL (or DATABASE_URL_FILE)',
      secrets.AUTOPACK_API_KEY === undefined && 'AUTOPACK_API_KEY (or AUTOPACK_API_KEY_FILE)',
    ].filter(Boolean);
    if (missing.length > 0) {
      throw new ConfigError(
        `production requires ${missing.join(' and ')}; the embedded database and generated keys are for development only`,
      );
    }
  }
  if (secrets.AUTOPACK_API_KEY !== undefined && secrets.AUTOPACK_API_KEY.length < 16) {
    throw new ConfigError('AUTOPACK_API_KEY must be at least 16 characters long');
  }

  return new AppConfig({
    env: appEnv,
    version: readVersion(),
    host: vars.HOST ?? (isProduction ? '0.0.0.0' : '127.0.0.1'),
    port: vars.PORT ?? 8000,
    databaseUrl: secrets.DATABASE_URL,
    apiKey: secrets.AUTOPACK_API_KEY,
    publicRead: !isProduction && vars.AUTOPACK_PUBLIC_READ === '1',
    trustedProxies: parseTrustedProxies(vars.AUTOPACK_TRUSTED_PROXIES),
    bodyLimitBytes: vars.AUTOPACK_BODY_LIMIT_BYTES ?? 2 * 1024 * 1024,
    rateLimits: readRateLimits(env),
    dataDir: resolve(vars.AUTOPACK_DATA_DIR ?? join(PROJECT_ROOT, '.data')),
    embeddedPostgresPort: vars.AUTOPACK_EMBEDDED_PG_PORT ?? 54329,
    logLevel: vars.LOG_LEVEL ?? (appEnv === 'test' ? 'silent' : 'info'),
    runTokenCapDefault: vars.RUN_TOKEN_CAP ?? DEFAULT_RUN_TOKEN_CAP,
    maxPatchBytes: vars.AUTOPACK_MAX_PATCH_BYTES ?? DEFAULT_MAX_PATCH_BYTES,
  });
}
