import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { APP_ENVIRONMENTS, AppConfig, LOG_LEVELS } from './app-config';
import type { AppEnvironment, LogLevel } from './app-config';
import { ConfigError } from './config-error';
import { DOMAIN_SWITCHES, loadExternalActionsPolicy } from '../external-actions/external-actions-policy';
import { loadPathPolicy } from '../governance/path-policy';
import type { DomainSwitch } from '../external-actions/external-actions-policy';
import { RATE_LIMITS } from '../rate-limit/rate-limits';
import type { RateLimitName } from '../rate-limit/rate-limits';
import { RawEnv, readSecret } from './secret-env';

/** The project root: this file sits two levels below it, in `src/config` or `dist/config`. */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');

type SecretName = 'DATABASE_URL' | 'AUTOPACK_API_KEY';

/** Secrets without which production refuses to start (the deployment templates must provide each). */
export const PRODUCTION_REQUIRED_SECRETS = [
  'DATABASE_URL',
  'AUTOPACK_API_KEY',
  'JWT_PRIVATE_KEY',
  'JWT_PUBLIC_KEY',
  'AUTOPACK_CREDENTIALS_KEY',
] as const;
type ProductionSecret = (typeof PRODUCTION_REQUIRED_SECRETS)[number];
/** The wire format's default `token_cap` for a run (WIRE_FORMAT.md). */
export const DEFAULT_RUN_TOKEN_CAP = 5_000_000;
/** 1 MiB of patch: far above a reviewable change, well below the 2 MiB default body limit. */
export const DEFAULT_MAX_PATCH_BYTES = 1024 * 1024;
export const DEFAULT_ARTIFACT_INDEX_MAX_ENTRIES = 5000;
export const DEFAULT_ARTIFACT_READ_SIZE_CAP = 1024 * 1024;
export const DEFAULT_MAX_ACTIONS_PER_DAY = 50;
export const DEFAULT_EXTERNAL_ACTIONS_POLICY_FILE = join(
  PROJECT_ROOT,
  'config',
  'external-actions-policy.yaml',
);

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
  @IsString()
  AUTOPACK_RUNS_ROOT?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  AUTOPACK_ARTIFACT_INDEX_MAX_ENTRIES?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  AUTOPACK_ARTIFACT_READ_SIZE_CAP?: number;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['0', '1'])
  AUTOPACK_ARTIFACT_REDACTION?: '0' | '1';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(LOG_LEVELS)
  LOG_LEVEL?: LogLevel;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  LOG_FILE?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(60_000)
  AUTOPACK_HEALTH_SLOW_DB_MS?: number;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['true', 'false', '1', '0'])
  AUTO_APPROVE_BUILD113?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['0', '1'])
  AUTOPACK_ENABLE_CONSOLIDATED_METRICS?: '0' | '1';

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(7 * 24 * 60)
  APPROVAL_TIMEOUT_MINUTES?: number;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  AUTOPACK_GOVERNANCE_POLICY_FILE?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{1,200}$/, { message: 'JWT_ISSUER must be 1 to 200 visible ASCII characters' })
  JWT_ISSUER?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{1,200}$/, { message: 'JWT_AUDIENCE must be 1 to 200 visible ASCII characters' })
  JWT_AUDIENCE?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(24 * 60 * 60)
  JWT_TTL_SECONDS?: number;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['0', '1'])
  AUTOPACK_ALLOW_REGISTRATION?: '0' | '1';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  AUTOPACK_OAUTH_PROVIDERS?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  AUTOPACK_OAUTH_TOKEN_HOSTS?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(60)
  AUTOPACK_OAUTH_REFRESH_TIMEOUT_SECONDS?: number;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['0', '1'])
  AUTOPACK_EXTERNAL_ACTIONS_ENABLED?: '0' | '1';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['0', '1'])
  AUTOPACK_SIDE_EFFECTS_DRY_RUN?: '0' | '1';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^\d{1,9}(\.\d{1,2})?$/, {
    message:
      'AUTOPACK_MAX_DAILY_SPEND_USD must be an amount in USD with at most two decimals (e.g. 25 or 12.50)',
  })
  AUTOPACK_MAX_DAILY_SPEND_USD?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  AUTOPACK_MAX_ACTIONS_PER_DAY?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(30 * 24 * 60 * 60)
  AUTOPACK_ACTION_APPROVAL_TTL_SECONDS?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(24 * 60 * 60)
  AUTOPACK_ACTION_LEASE_SECONDS?: number;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  AUTOPACK_EXTERNAL_ACTIONS_POLICY_FILE?: string;
}

/** Each domain kill switch: `1` on, `0` or unset off; anything else is refused (a typo must not open it). */
function readDomainSwitches(env: RawEnv): Record<DomainSwitch, boolean> {
  const entries = DOMAIN_SWITCHES.map((name) => {
    const raw = env[name];
    if (raw !== undefined && raw !== '' && raw !== '0' && raw !== '1') {
      throw new ConfigError(`${name}: must be 0 or 1`);
    }
    return [name, raw === '1'] as const;
  });
  return Object.fromEntries(entries) as Record<DomainSwitch, boolean>;
}

/** "12.50" → 1250 (decimal arithmetic on the digits, no floating point). */
function usdToCents(usd: string): number {
  const [whole, fraction = ''] = usd.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

export const DEFAULT_OAUTH_PROVIDERS = ['etsy', 'shopify', 'youtube', 'broker'];
const PROVIDER_NAME = /^[a-z][a-z0-9_-]{1,31}$/;

/** `etsy,shopify` → the list; `none` → no provider (credential storage off). */
function parseOAuthProviders(raw: string | undefined): string[] {
  if (raw === undefined) return DEFAULT_OAUTH_PROVIDERS;
  if (raw.trim() === 'none') return [];
  const names = raw
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!PROVIDER_NAME.test(name)) {
      throw new ConfigError(
        `AUTOPACK_OAUTH_PROVIDERS: "${name}" is not a provider name (lowercase letters, digits, _ and -)`,
      );
    }
  }
  return [...new Set(names)];
}

const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const TOKEN_HOST = new RegExp(
  `^(?:\\*\\.${HOST_LABEL}(?:\\.${HOST_LABEL})+|${HOST_LABEL}(?:\\.${HOST_LABEL})*)$`,
);

/** `api.etsy.com,*.myshopify.com` → the allowlist of token URL hosts (lowercase names, no IP, no port). */
function parseOAuthTokenHosts(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const hosts = raw
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter(Boolean);
  for (const host of hosts) {
    if (!TOKEN_HOST.test(host) || isIP(host)) {
      throw new ConfigError(
        `AUTOPACK_OAUTH_TOKEN_HOSTS: "${host}" is not a host name or *.domain (no scheme, port, path or IP)`,
      );
    }
  }
  return [...new Set(hosts)];
}

/**
 * The RS256 key pair: both or neither, RSA of at least 2048 bits, and the public key must belong to the
 * private key (a mismatch would mint tokens nobody can verify). Messages never include key material.
 */
function readJwtKeys(env: RawEnv): { privateKey?: string; publicKey?: string } {
  const privatePem = readSecret(env, 'JWT_PRIVATE_KEY');
  const publicPem = readSecret(env, 'JWT_PUBLIC_KEY');
  if (privatePem === undefined && publicPem === undefined) return {};
  if (privatePem === undefined || publicPem === undefined) {
    throw new ConfigError('JWT_PRIVATE_KEY and JWT_PUBLIC_KEY must be set together (or neither)');
  }
  const privateText = restoreNewlines(privatePem);
  const publicText = restoreNewlines(publicPem);
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  try {
    privateKey = createPrivateKey(privateText);
  } catch {
    throw new ConfigError('JWT_PRIVATE_KEY: is not a PEM private key');
  }
  try {
    publicKey = createPublicKey(publicText);
  } catch {
    throw new ConfigError('JWT_PUBLIC_KEY: is not a PEM public key');
  }
  if (
    privateKey.asymmetricKeyType !== 'rsa' ||
    (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048
  ) {
    throw new ConfigError('JWT_PRIVATE_KEY: must be an RSA key of at least 2048 bits (RS256)');
  }
  const derived = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  if (!derived.equals(publicKey.export({ type: 'spki', format: 'der' }))) {
    throw new ConfigError('JWT_PUBLIC_KEY: does not belong to JWT_PRIVATE_KEY');
  }
  return { privateKey: privateText, publicKey: publicText };
}

/** A PEM pasted into one environment line often carries literal "\\n" sequences: restore the newlines. */
function restoreNewlines(pem: string): string {
  return pem.includes('\\n') && !pem.includes('\n') ? pem.replace(/\\n/g, '\n') : pem;
}

/** 32 bytes, base64 (standard or url-safe alphabet). */
function readCredentialsKey(env: RawEnv): Buffer | undefined {
  const raw = readSecret(env, 'AUTOPACK_CREDENTIALS_KEY');
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new ConfigError(
      'AUTOPACK_CREDENTIALS_KEY: must be 32 random bytes, base64-encoded (openssl rand -base64 32)',
    );
  }
  return key;
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
  const secrets: Record<SecretName, string | undefined> = {
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
  const jwtKeys = readJwtKeys(env);
  const credentialsKey = readCredentialsKey(env);
  const oauthProviders = parseOAuthProviders(vars.AUTOPACK_OAUTH_PROVIDERS);

  if (isProduction) {
    // Storing credentials without an encryption key would mean plaintext secrets at rest, so the key is
    // required unless credential storage is switched off (AUTOPACK_OAUTH_PROVIDERS=none).
    const provided: Record<ProductionSecret, boolean> = {
      DATABASE_URL: secrets.DATABASE_URL !== undefined,
      AUTOPACK_API_KEY: secrets.AUTOPACK_API_KEY !== undefined,
      JWT_PRIVATE_KEY: jwtKeys.privateKey !== undefined,
      JWT_PUBLIC_KEY: jwtKeys.publicKey !== undefined,
      AUTOPACK_CREDENTIALS_KEY: credentialsKey !== undefined || oauthProviders.length === 0,
    };
    const missing = PRODUCTION_REQUIRED_SECRETS.filter((name) => !provided[name]).map((name) =>
      name === 'AUTOPACK_CREDENTIALS_KEY'
        ? `${name} (or ${name}_FILE; or AUTOPACK_OAUTH_PROVIDERS=none)`
        : `${name} (or ${name}_FILE)`,
    );
    if (missing.length > 0) {
      throw new ConfigError(
        `production requires ${missing.join(', ')}; the embedded database and generated keys are for development only`,
      );
    }
  }
  if (isProduction && vars.AUTOPACK_RUNS_ROOT === undefined) {
    // Not a secret, but guessing it would mean serving (or losing) artifacts from inside the image.
    throw new ConfigError(
      'production requires AUTOPACK_RUNS_ROOT: the absolute directory holding run artifacts (<root>/<run_id>/), e.g. a mounted volume',
    );
  }
  if (isProduction && !isAbsolute(vars.AUTOPACK_RUNS_ROOT!)) {
    throw new ConfigError('AUTOPACK_RUNS_ROOT: must be an absolute path in production');
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
    logFile: vars.LOG_FILE === undefined ? undefined : resolve(vars.LOG_FILE),
    healthSlowDatabaseMs: vars.AUTOPACK_HEALTH_SLOW_DB_MS ?? 500,
    // The legacy flag never takes effect in production (a warning is logged at start instead).
    autoApproveBuild113: !isProduction && ['true', '1'].includes(vars.AUTO_APPROVE_BUILD113 ?? ''),
    approvalTimeoutMinutes: vars.APPROVAL_TIMEOUT_MINUTES ?? 15,
    modelCatalogFile: join(PROJECT_ROOT, 'config', 'models.yaml'),
    consolidatedMetricsEnabled: vars.AUTOPACK_ENABLE_CONSOLIDATED_METRICS === '1',
    // Validated here, before anything starts: an invalid policy refuses start with a ConfigError.
    governancePolicy: loadPathPolicy(
      resolve(vars.AUTOPACK_GOVERNANCE_POLICY_FILE ?? join(PROJECT_ROOT, 'config', 'governance-policy.yaml')),
    ),
    autoApproveBuild113Ignored: isProduction && ['true', '1'].includes(vars.AUTO_APPROVE_BUILD113 ?? ''),
    jwtPrivateKey: jwtKeys.privateKey,
    jwtPublicKey: jwtKeys.publicKey,
    jwtIssuer: vars.JWT_ISSUER ?? 'autopack',
    jwtAudience: vars.JWT_AUDIENCE ?? 'autopack-api',
    jwtTtlSeconds: vars.JWT_TTL_SECONDS ?? 15 * 60,
    allowRegistration: !isProduction || vars.AUTOPACK_ALLOW_REGISTRATION === '1',
    credentialsKey,
    oauthProviders,
    oauthTokenHosts: parseOAuthTokenHosts(vars.AUTOPACK_OAUTH_TOKEN_HOSTS),
    oauthRefreshTimeoutMs: (vars.AUTOPACK_OAUTH_REFRESH_TIMEOUT_SECONDS ?? 10) * 1000,
    runTokenCapDefault: vars.RUN_TOKEN_CAP ?? DEFAULT_RUN_TOKEN_CAP,
    maxPatchBytes: vars.AUTOPACK_MAX_PATCH_BYTES ?? DEFAULT_MAX_PATCH_BYTES,
    runsRoot: resolve(vars.AUTOPACK_RUNS_ROOT ?? join(PROJECT_ROOT, '.data', 'runs')),
    artifactIndexMaxEntries: vars.AUTOPACK_ARTIFACT_INDEX_MAX_ENTRIES ?? DEFAULT_ARTIFACT_INDEX_MAX_ENTRIES,
    artifactReadSizeCap: vars.AUTOPACK_ARTIFACT_READ_SIZE_CAP ?? DEFAULT_ARTIFACT_READ_SIZE_CAP,
    artifactRedaction:
      vars.AUTOPACK_ARTIFACT_REDACTION === undefined
        ? isProduction
        : vars.AUTOPACK_ARTIFACT_REDACTION === '1',
    externalActionsEnabled: vars.AUTOPACK_EXTERNAL_ACTIONS_ENABLED === '1',
    domainSwitches: readDomainSwitches(env),
    // Dry-run stays on unless explicitly switched off.
    sideEffectsDryRun: vars.AUTOPACK_SIDE_EFFECTS_DRY_RUN !== '0',
    maxDailySpendCents: usdToCents(vars.AUTOPACK_MAX_DAILY_SPEND_USD ?? '0'),
    maxActionsPerDay: vars.AUTOPACK_MAX_ACTIONS_PER_DAY ?? DEFAULT_MAX_ACTIONS_PER_DAY,
    actionApprovalTtlSeconds: vars.AUTOPACK_ACTION_APPROVAL_TTL_SECONDS ?? 24 * 60 * 60,
    actionLeaseSeconds: vars.AUTOPACK_ACTION_LEASE_SECONDS ?? 300,
    externalActionsPolicy: loadExternalActionsPolicy(
      resolve(vars.AUTOPACK_EXTERNAL_ACTIONS_POLICY_FILE ?? DEFAULT_EXTERNAL_ACTIONS_POLICY_FILE),
    ),
  });
}
