import { DEFAULT_MAX_PATCH_BYTES } from '../http/input-bounds';
import { join } from 'node:path';
import { DOMAIN_SWITCHES } from '../external-actions/external-actions-policy';
import type { DomainSwitch } from '../external-actions/external-actions-policy';
import { RATE_LIMIT_MAX_PER_MINUTE, RATE_LIMITS } from '../rate-limit/rate-limits';
import type { RateLimitName } from '../rate-limit/rate-limits';
import { maskUrl } from './mask-url';
import {
  aes256Key,
  flag,
  int,
  ipOrCidr,
  list,
  map,
  matching,
  oneOf,
  path,
  pem,
  pemPublicKeys,
  providerName,
  text,
  tokenHost,
  usdCents,
} from './parsers';
import type { Parser } from './parsers';
import { PROJECT_ROOT } from './project-root';

export const APP_ENVIRONMENTS = ['development', 'test', 'production'] as const;
export type AppEnvironment = (typeof APP_ENVIRONMENTS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What a default may depend on: only the environment kind (AUTOPACK_ENV), which is read first. */
export interface DefaultContext {
  env: AppEnvironment;
  isProduction: boolean;
}

/**
 * One environment variable, declared once. Everything else is derived from this table: validation and
 * defaults (`loadConfig`), the typed `AppConfig` fields (`field`), the start-up summary and its masking
 * (`secret`, `summary`), the production requirements and the README's configuration table (`doc`).
 */
export interface ConfigVariable<T> {
  parse: Parser<T>;
  /** Used when the variable is unset or empty. `undefined` means: the field stays unset. */
  default: T | undefined | ((context: DefaultContext) => T);
  /** The `AppConfig` field that carries the value. Without one, a rule in `loadConfig` consumes it. */
  field?: string;
  /** May come from `<NAME>_FILE`; never logged, only whether it is set (`summary.unset` when not). */
  secret?: boolean;
  /** Production refuses to start without it; `unless` names the setting that makes it optional. */
  requiredInProduction?: { unless?: string; why?: string };
  /**
   * How the start-up summary shows it: its key (default: the field in snake_case) or `false` to leave it
   * out; `unset` replaces an unset value; `show` replaces a set one (secrets default to `***`).
   */
  summary?: false | { key?: string; unset?: string; show?: (value: T) => unknown };
  /** The README row. `with` puts the variable in the row of an earlier one (`PORT` / `HOST`). */
  doc: { meaning: string; default?: string; note?: string } | { with: string; default?: string };
}

/** Declares a variable, inferring the value type from its parser. */
const variable = <
  T,
  const F extends string | undefined = undefined,
  const D extends ConfigVariable<T>['default'] = ConfigVariable<T>['default'],
>(
  spec: ConfigVariable<T> & { field?: F; default: D },
): ConfigVariable<T> & { field: F; default: D } => spec as ConfigVariable<T> & { field: F; default: D };

/** A named rate limit of RATE_LIMITS: its variable, default and range. */
function rateLimit<N extends RateLimitName>(name: N, doc: ConfigVariable<number>['doc']) {
  const { env, perMinute } = RATE_LIMITS[name];
  return {
    [env]: variable({
      parse: int(1, RATE_LIMIT_MAX_PER_MINUTE, 'requests per minute'),
      default: perMinute,
      doc,
    }),
  } as Record<(typeof RATE_LIMITS)[N]['env'], ConfigVariable<number> & { field: undefined }>;
}

/** The per-domain kill switches, each `0`/`1`, default off, documented in one row. */
function domainSwitches() {
  const [first, ...rest] = DOMAIN_SWITCHES;
  const entry = (doc: ConfigVariable<boolean>['doc']) => variable({ parse: flag, default: false, doc });
  return Object.fromEntries([
    [first, entry({ meaning: 'per-domain kill switches (`0`/`1`; anything else refuses to start)' })],
    ...rest.map((name) => [name, entry({ with: first })]),
  ]) as Record<DomainSwitch, ConfigVariable<boolean> & { field: undefined }>;
}

const MiB = 1024 * 1024;
const DEFAULT_OAUTH_PROVIDERS = ['etsy', 'shopify', 'youtube', 'broker'];
const VISIBLE_ASCII = matching(/^[\x21-\x7e]{1,200}$/, 'must be 1 to 200 visible ASCII characters');

/** Every environment variable the process reads, in the order of the README's configuration table. */
export const CONFIG_VARIABLES = {
  AUTOPACK_ENV: variable({
    field: 'env',
    parse: oneOf(APP_ENVIRONMENTS),
    default: 'development',
    doc: { meaning: '`development`, `test` or `production`' },
  }),
  PORT: variable({
    field: 'port',
    parse: int(0, 65535),
    default: 8000,
    doc: { meaning: 'where the API listens' },
  }),
  HOST: variable({
    field: 'host',
    parse: text,
    default: ({ isProduction }) => (isProduction ? '0.0.0.0' : '127.0.0.1'),
    doc: { with: 'PORT', default: '`127.0.0.1` (`0.0.0.0` in production)' },
  }),
  DATABASE_URL: variable({
    field: 'databaseUrl',
    parse: matching(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL'),
    default: undefined,
    secret: true,
    requiredInProduction: {},
    summary: { unset: 'embedded', show: maskUrl },
    doc: {
      default: 'embedded PostgreSQL',
      meaning: '`postgres://…`; **required in production**, which refuses the embedded database',
    },
  }),
  AUTOPACK_API_KEY: variable({
    field: 'apiKey',
    parse: text,
    default: undefined,
    secret: true,
    requiredInProduction: {},
    doc: {
      default: 'generated in development',
      meaning: 'the instance key, an admin machine principal; **required in production** (≥ 16 characters)',
    },
  }),
  JWT_PRIVATE_KEY: variable({
    field: 'jwtPrivateKey',
    parse: pem,
    default: undefined,
    secret: true,
    requiredInProduction: {},
    summary: { key: 'jwt_keys', unset: 'ephemeral' },
    doc: {
      default: 'generated in development, kept in the data directory',
      meaning: 'RS256 signing keys for user tokens; **required in production**',
      note: 'PEM',
    },
  }),
  JWT_PUBLIC_KEY: variable({
    field: 'jwtPublicKey',
    parse: pem,
    default: undefined,
    secret: true,
    requiredInProduction: {},
    summary: false, // shown with the private key, as `jwt_keys`
    doc: { with: 'JWT_PRIVATE_KEY' },
  }),
  JWT_PREVIOUS_PUBLIC_KEYS: variable({
    field: 'jwtPreviousPublicKeys',
    parse: pemPublicKeys,
    default: [],
    // Public keys, but `*_FILE`-able like the pair they come from.
    secret: true,
    summary: { key: 'jwt_previous_keys', show: (keys) => keys.length },
    doc: {
      default: 'none',
      meaning:
        'public keys (PEM, one or more concatenated) of retired signing keys: their tokens stay valid until they expire and the JWKS lists them (key rotation, docs/AUTHENTICATION.md)',
    },
  }),
  JWT_ISSUER: variable({
    field: 'jwtIssuer',
    parse: VISIBLE_ASCII,
    default: 'autopack',
    doc: { meaning: 'token claims checked on every request; TTL at most 24 h' },
  }),
  JWT_AUDIENCE: variable({
    field: 'jwtAudience',
    parse: VISIBLE_ASCII,
    default: 'autopack-api',
    doc: { with: 'JWT_ISSUER' },
  }),
  JWT_TTL_SECONDS: variable({
    field: 'jwtTtlSeconds',
    parse: int(60, 24 * 60 * 60),
    default: 15 * 60,
    doc: { with: 'JWT_ISSUER' },
  }),
  AUTOPACK_SESSION_LIFETIME_HOURS: variable({
    field: 'sessionLifetimeSeconds',
    parse: map(int(1, 90 * 24, 'hours'), (hours) => hours * 3600),
    default: 7 * 24 * 3600,
    doc: {
      default: '`168` (7 days)',
      meaning: 'absolute lifetime of a sign-in session: then the user signs in again, however active',
    },
  }),
  AUTOPACK_SESSION_IDLE_MINUTES: variable({
    field: 'sessionIdleSeconds',
    parse: map(int(5, 90 * 24 * 60, 'minutes'), (minutes) => minutes * 60),
    default: 12 * 3600,
    doc: { default: '`720` (12 hours)', meaning: 'a session not refreshed for this long ends' },
  }),
  AUTOPACK_SET_PASSWORD_TOKEN_HOURS: variable({
    field: 'setPasswordTokenSeconds',
    parse: map(int(1, 7 * 24, 'hours'), (hours) => hours * 3600),
    default: 24 * 3600,
    doc: {
      default: '`24`',
      meaning:
        'how long a one-time set-password token (an admin creates a user without a password, or resets one) stays redeemable',
    },
  }),
  AUTOPACK_COOKIE_SECURE: variable({
    field: 'cookieSecure',
    parse: flag,
    default: true,
    doc: {
      meaning:
        '`0` drops `Secure` from the refresh cookie (plain-http development only; production refuses `0`)',
    },
  }),
  AUTOPACK_ALLOW_REGISTRATION: variable({
    parse: flag,
    default: false,
    doc: {
      default: 'open outside production',
      meaning: '`1` opens `POST /api/auth/register` in production (new users are viewers)',
    },
  }),
  AUTOPACK_CREDENTIALS_KEY: variable({
    field: 'credentialsKey',
    parse: aes256Key,
    default: undefined,
    secret: true,
    requiredInProduction: { unless: 'AUTOPACK_OAUTH_PROVIDERS=none' },
    doc: {
      default: 'unset: storing OAuth credentials is refused',
      meaning:
        '32 bytes, base64: AES-256-GCM key for OAuth credentials at rest; **required in production** unless `AUTOPACK_OAUTH_PROVIDERS=none`',
    },
  }),
  AUTOPACK_OAUTH_PROVIDERS: variable({
    field: 'oauthProviders',
    // `none` switches credential storage off.
    parse: (raw, name) => (raw.trim() === 'none' ? [] : list(providerName, { unique: true })(raw, name)),
    default: DEFAULT_OAUTH_PROVIDERS,
    doc: { meaning: 'providers whose credentials may be stored; `none` switches storage off' },
  }),
  AUTOPACK_OAUTH_TOKEN_HOSTS: variable({
    field: 'oauthTokenHosts',
    parse: list(tokenHost, { unique: true }),
    default: [],
    doc: {
      default: 'any host',
      meaning:
        'comma-separated host names (`api.etsy.com`) or `*.domain` (subdomains only) that provider token URLs may name; recommended in production (SSRF allowlist, see docs/AUTHENTICATION.md)',
    },
  }),
  AUTOPACK_OAUTH_REFRESH_TIMEOUT_SECONDS: variable({
    field: 'oauthRefreshTimeoutMs',
    parse: map(int(1, 60), (seconds) => seconds * 1000),
    default: 10_000,
    doc: { default: '`10`', meaning: 'deadline (1–60 s) for a whole provider token call, response included' },
  }),
  AUTOPACK_PUBLIC_READ: variable({
    parse: flag,
    default: false,
    doc: { meaning: '`1` lets anonymous callers use operator read routes — ignored in production' },
  }),
  AUTOPACK_TRUSTED_PROXIES: variable({
    field: 'trustedProxies',
    parse: list(ipOrCidr),
    default: [],
    doc: {
      default: 'none',
      meaning: 'comma-separated proxy addresses/CIDRs whose `X-Forwarded-For` is believed',
    },
  }),
  AUTOPACK_BODY_LIMIT_BYTES: variable({
    field: 'bodyLimitBytes',
    parse: int(1024, 64 * MiB),
    default: 2 * MiB,
    doc: { default: '`2097152` (2 MiB)', meaning: 'larger JSON bodies get 413' },
  }),
  ...rateLimit('default', { meaning: 'default per-route budget per principal (else per client IP)' }),
  ...rateLimit('login', {
    meaning: 'login/register attempts per client IP and per username',
  }),
  ...rateLimit('session_refresh', { meaning: 'session refresh and logout calls per client IP' }),
  ...rateLimit('runs_start', { meaning: '`POST /runs/start` per principal' }),
  ...rateLimit('decisions', { meaning: 'human approval decisions per user' }),
  RUN_TOKEN_CAP: variable({
    field: 'runTokenCapDefault',
    parse: int(1, 2_147_483_647),
    // The wire format's default `token_cap` for a run (docs/WIRE_FORMAT.md).
    default: 5_000_000,
    doc: { meaning: "a run's `token_cap` when the start request names none" },
  }),
  AUTOPACK_MAX_PATCH_BYTES: variable({
    field: 'maxPatchBytes',
    parse: int(1024, 64 * MiB),
    // 1 MiB of patch: far above a reviewable change, well below the 2 MiB default body limit.
    default: DEFAULT_MAX_PATCH_BYTES,
    doc: {
      default: '`1048576` (1 MiB)',
      meaning: 'largest `patch_content` in a builder/auditor result (413 beyond)',
    },
  }),
  AUTOPACK_DATA_DIR: variable({
    field: 'dataDir',
    parse: path,
    default: join(PROJECT_ROOT, '.data'),
    doc: { default: '`.data/`', meaning: 'embedded database, generated development key' },
  }),
  AUTOPACK_EMBEDDED_PG_PORT: variable({
    field: 'embeddedPostgresPort',
    parse: int(1, 65535),
    default: 54329,
    doc: { meaning: 'port of the embedded PostgreSQL (loopback only)' },
  }),
  AUTOPACK_HEALTH_SLOW_DB_MS: variable({
    field: 'healthSlowDatabaseMs',
    parse: int(0, 60_000),
    default: 500,
    doc: { meaning: '`/health` reports `degraded` when the database answers slower' },
  }),
  AUTOPACK_DB_START_TIMEOUT_SECONDS: variable({
    field: 'databaseStartTimeoutSeconds',
    parse: int(0, 600),
    default: ({ isProduction }) => (isProduction ? 60 : 0),
    doc: {
      default: '`60` in production, else `0`',
      meaning:
        'at start, how long to keep retrying a database that does not answer yet (backoff up to 5 s), e.g. while PostgreSQL boots beside it; `0` fails at once',
    },
  }),
  APPROVAL_TIMEOUT_MINUTES: variable({
    field: 'approvalTimeoutMinutes',
    parse: int(1, 7 * 24 * 60),
    default: 15,
    doc: { meaning: 'pending approval and governance requests time out (never approve) after this' },
  }),
  AUTO_APPROVE_BUILD113: variable({
    parse: map(oneOf(['true', 'false', '1', '0']), (value) => value === 'true' || value === '1'),
    default: false,
    doc: {
      default: '`false`',
      meaning: 'legacy: auto-approve executor approval requests — **ignored in production**',
    },
  }),
  AUTOPACK_GOVERNANCE_POLICY_FILE: variable({
    field: 'governancePolicyFile',
    parse: path,
    default: join(PROJECT_ROOT, 'config', 'governance-policy.yaml'),
    doc: { default: '`config/governance-policy.yaml`', meaning: 'the path policy, validated at start' },
  }),
  AUTOPACK_RUNS_ROOT: variable({
    field: 'runsRoot',
    parse: path,
    default: join(PROJECT_ROOT, '.data', 'runs'),
    // Not a secret, but guessing it would mean serving (or losing) artifacts from inside the image.
    requiredInProduction: {
      why: 'the absolute directory holding run artifacts (<root>/<run_id>/), e.g. a mounted volume',
    },
    doc: {
      default: '`.data/runs/`',
      meaning:
        'run artifacts, one `<run_id>/` directory per run; **required in production** (an absolute path)',
    },
  }),
  AUTOPACK_ARTIFACT_INDEX_MAX_ENTRIES: variable({
    field: 'artifactIndexMaxEntries',
    parse: int(1, 1_000_000),
    default: 5000,
    doc: { meaning: 'most entries an artifact index lists (`truncated: true` beyond)' },
  }),
  AUTOPACK_ARTIFACT_READ_SIZE_CAP: variable({
    field: 'artifactReadSizeCap',
    parse: int(1024, 64 * MiB),
    default: MiB,
    doc: { default: '`1048576` (1 MiB)', meaning: 'most bytes one artifact read returns (1 KiB – 64 MiB)' },
  }),
  AUTOPACK_ARTIFACT_REDACTION: variable({
    field: 'artifactRedaction',
    parse: flag,
    default: ({ isProduction }) => isProduction,
    doc: {
      default: '`1` in production, else `0`',
      meaning: 'redact secrets in every artifact read (`?redact=true` asks for it when off)',
    },
  }),
  ...rateLimit('artifacts_index', {
    meaning: 'per-principal budget of artifact listings (index, browser artifacts)',
  }),
  ...rateLimit('artifacts_file', { meaning: 'per-principal budget of artifact file reads' }),
  AUTOPACK_EXTERNAL_ACTIONS_ENABLED: variable({
    field: 'externalActionsEnabled',
    parse: flag,
    default: false,
    doc: {
      meaning: 'global kill switch of external actions: `1` lets execution claims be granted at all',
    },
  }),
  ...domainSwitches(),
  AUTOPACK_SIDE_EFFECTS_DRY_RUN: variable({
    field: 'sideEffectsDryRun',
    parse: flag,
    default: true,
    doc: { meaning: 'granted claims are dry runs; `0` executes for real' },
  }),
  AUTOPACK_MAX_DAILY_SPEND_USD: variable({
    field: 'maxDailySpendCents',
    parse: usdCents,
    default: 0,
    doc: {
      default: '`0`',
      meaning: 'hard cap of reserved external-action spend per UTC day, across replicas',
    },
  }),
  AUTOPACK_MAX_ACTIONS_PER_DAY: variable({
    field: 'maxActionsPerDay',
    parse: int(0, 1_000_000),
    default: 50,
    doc: { meaning: 'live external-action executions per UTC day, across replicas' },
  }),
  AUTOPACK_ACTION_APPROVAL_TTL_SECONDS: variable({
    field: 'actionApprovalTtlSeconds',
    parse: int(60, 30 * 24 * 60 * 60),
    default: 24 * 60 * 60,
    doc: { meaning: "an approval's lifetime; then the action is `EXPIRED`" },
  }),
  AUTOPACK_ACTION_LEASE_SECONDS: variable({
    field: 'actionLeaseSeconds',
    parse: int(1, 24 * 60 * 60),
    default: 300,
    doc: { meaning: "a live claim's lease; then the action is `OUTCOME_UNKNOWN`" },
  }),
  AUTOPACK_EXTERNAL_ACTIONS_POLICY_FILE: variable({
    field: 'externalActionsPolicyFile',
    parse: path,
    default: join(PROJECT_ROOT, 'config', 'external-actions-policy.yaml'),
    doc: {
      default: '`config/external-actions-policy.yaml`',
      meaning: 'the Tier A/B/C policy, validated at start',
    },
  }),
  ...rateLimit('actions_approve', { meaning: 'budgets of approve/reject/reconcile and of claims' }),
  ...rateLimit('actions_claim', { with: 'AUTOPACK_RATE_LIMIT_ACTIONS_APPROVE_PER_MINUTE' }),
  AUTOPACK_ENABLE_CONSOLIDATED_METRICS: variable({
    field: 'consolidatedMetricsEnabled',
    parse: flag,
    default: false,
    doc: {
      meaning: '`1` enables `GET /dashboard/runs/{run_id}/consolidated-metrics` (503 while off)',
    },
  }),
  AUTOPACK_EVENTS_STREAMS_PER_PRINCIPAL: variable({
    field: 'eventsStreamsPerPrincipal',
    parse: int(1, 1000),
    default: 5,
    doc: { meaning: 'open `GET /events/stream` connections one principal may hold per replica (429 beyond)' },
  }),
  AUTOPACK_EVENTS_HEARTBEAT_SECONDS: variable({
    field: 'eventsHeartbeatMs',
    parse: map(int(1, 300), (seconds) => seconds * 1000),
    default: 15_000,
    summary: { key: 'events_heartbeat_ms' },
    doc: { default: '`15`', meaning: 'seconds between comment heartbeats on an event stream' },
  }),
  AUTOPACK_EVENTS_RETENTION_DAYS: variable({
    field: 'eventsRetentionDays',
    parse: int(1, 3650),
    default: 30,
    doc: {
      meaning:
        'events older than this are pruned (the audit log is untouched); older cursors answer 410 with the oldest one',
    },
  }),
  AUTOPACK_IDEMPOTENCY_KEY_TTL_HOURS: variable({
    field: 'idempotencyKeyTtlHours',
    parse: int(1, 30 * 24),
    default: 24,
    doc: {
      meaning:
        'how long the stored answer of an executor write sent with an `Idempotency-Key` is replayed; the scheduled sweep then deletes it',
    },
  }),
  AUTOPACK_EVENTS_EXPIRING_WARNING_MINUTES: variable({
    field: 'eventsExpiringWarningMs',
    parse: map(int(1, 24 * 60), (minutes) => minutes * 60_000),
    default: 5 * 60_000,
    summary: { key: 'events_expiring_warning_ms' },
    doc: {
      default: '`5`',
      meaning:
        'minutes before an approval, governance request or action approval expires that its `*.expiring` event is written',
    },
  }),
  AUTOPACK_CONSOLE_URL: variable({
    field: 'consoleUrl',
    parse: matching(/^https?:\/\/[^\s]{1,500}$/, 'must be an http(s) URL'),
    default: 'http://localhost:8000/console',
    doc: {
      meaning: "the operator console's base URL: the deep link in every webhook, Slack and Telegram message",
    },
  }),
  AUTOPACK_WEBHOOK_TIMEOUT_SECONDS: variable({
    field: 'webhookTimeoutMs',
    parse: map(int(1, 30), (seconds) => seconds * 1000),
    default: 10_000,
    doc: { default: '`10`', meaning: 'deadline of one webhook delivery attempt, the answer included' },
  }),
  AUTOPACK_WEBHOOK_FAILURE_LIMIT: variable({
    field: 'webhookFailureLimit',
    parse: int(1, 10_000),
    default: 15,
    doc: {
      meaning:
        'failed delivery attempts in a row after which an endpoint is disabled (audited, and an event)',
    },
  }),
  LOG_LEVEL: variable({
    field: 'logLevel',
    parse: oneOf(LOG_LEVELS),
    default: ({ env }) => (env === 'test' ? 'silent' : 'info'),
    doc: {
      default: '`info` (`silent` when `AUTOPACK_ENV=test`; the test suite sets `debug`)',
      meaning: 'pino level; logs are JSON lines carrying `request_id`, secrets redacted',
    },
  }),
  LOG_FILE: variable({
    field: 'logFile',
    parse: path,
    default: undefined,
    summary: { unset: 'stdout' },
    doc: {
      default: 'unset: stdout',
      meaning:
        'append the JSON log lines to this file instead (synchronous writes; the test suite uses it to scan its logs for secrets)',
    },
  }),
};

export type ConfigVariableName = keyof typeof CONFIG_VARIABLES;

type ValueOf<V> = V extends ConfigVariable<infer T> ? T : never;
/** Variables whose default is `undefined` leave their field unset. */
type Optional<V> = V extends { default: infer D } ? ([D] extends [undefined] ? undefined : never) : never;

/** The `AppConfig` fields that come straight from one variable each, typed by the variable's parser. */
export type ConfigFields = {
  readonly [N in ConfigVariableName as (typeof CONFIG_VARIABLES)[N]['field'] & string]:
    ValueOf<(typeof CONFIG_VARIABLES)[N]> | Optional<(typeof CONFIG_VARIABLES)[N]>;
};

/** Every parsed variable by name (defaults applied), for the rules in `loadConfig`. */
export type ConfigValues = {
  readonly [N in ConfigVariableName]:
    ValueOf<(typeof CONFIG_VARIABLES)[N]> | Optional<(typeof CONFIG_VARIABLES)[N]>;
};

/** The table as a list, for code that walks every variable. */
export const configVariables = (): Array<[ConfigVariableName, ConfigVariable<unknown>]> =>
  Object.entries(CONFIG_VARIABLES) as Array<[ConfigVariableName, ConfigVariable<unknown>]>;

/** Secrets without which production refuses to start (the deployment templates must provide each). */
export const PRODUCTION_REQUIRED_SECRETS = configVariables()
  .filter(([, spec]) => spec.secret && spec.requiredInProduction)
  .map(([name]) => name);
