import type { DomainSwitch, ExternalActionsPolicy } from '../external-actions/external-actions-policy';
import type { PathPolicy } from '../governance/path-policy';
import type { RateLimitName } from '../rate-limit/rate-limits';

export const APP_ENVIRONMENTS = ['development', 'test', 'production'] as const;
export type AppEnvironment = (typeof APP_ENVIRONMENTS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The validated, typed configuration of one process. Built once by `loadConfig` from the environment
 * and injected everywhere else; nothing outside `src/config` reads `process.env`.
 */
export class AppConfig {
  readonly env: AppEnvironment;
  readonly version: string;
  readonly host: string;
  readonly port: number;
  /** Unset outside production means: start the embedded PostgreSQL. */
  readonly databaseUrl?: string;
  /** The instance key: an admin machine principal. */
  readonly apiKey?: string;
  /** Anonymous operator reads, honoured only outside production. */
  readonly publicRead: boolean;
  /** Addresses (or CIDR ranges) of reverse proxies whose X-Forwarded-For is believed. Empty: trust none. */
  readonly trustedProxies: readonly string[];
  readonly bodyLimitBytes: number;
  /** Per-minute request budgets by name (see RATE_LIMITS); `default` applies to every unmarked route. */
  readonly rateLimits: Readonly<Record<RateLimitName, number>>;
  /** Where the embedded database, the generated dev instance key and other local state live. */
  readonly dataDir: string;
  readonly embeddedPostgresPort: number;
  readonly logLevel: LogLevel;
  /** Append the JSON log lines to this file instead of stdout (the test suite scans it for secrets). */
  readonly logFile?: string;
  /** Legacy AUTO_APPROVE_BUILD113: auto-approve executor approval requests. Always false in production. */
  readonly autoApproveBuild113: boolean;
  /** True when production was asked for AUTO_APPROVE_BUILD113 and ignores it (logged at start). */
  readonly autoApproveBuild113Ignored: boolean;
  /** Pending approval and governance requests time out (fail closed) after this many minutes. */
  readonly approvalTimeoutMinutes: number;
  /** `AUTOPACK_ENABLE_CONSOLIDATED_METRICS` (default off): the per-run consolidated metrics view. */
  readonly consolidatedMetricsEnabled: boolean;
  /** Model mappings for the dashboard (YAML), validated at start. */
  readonly modelCatalogFile: string;
  /** The validated `config/governance-policy.yaml` (or `AUTOPACK_GOVERNANCE_POLICY_FILE`). */
  readonly governancePolicy: PathPolicy;
  /** /health reports `degraded` when the database answers slower than this. */
  readonly healthSlowDatabaseMs: number;
  /** RS256 signing key pair (PEM). Unset outside production means: an ephemeral pair per process. */
  readonly jwtPrivateKey?: string;
  readonly jwtPublicKey?: string;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  /** Lifetime of an access token, at most 24 h. */
  readonly jwtTtlSeconds: number;
  /** Self-service registration; always open outside production, opt-in (`=1`) in production. */
  readonly allowRegistration: boolean;
  /** AES-256-GCM key (32 bytes) for OAuth credentials at rest. Unset: storing credentials is refused. */
  readonly credentialsKey?: Buffer;
  /** OAuth providers whose credentials may be stored; empty disables credential storage. */
  readonly oauthProviders: readonly string[];
  /** `AUTOPACK_OAUTH_TOKEN_HOSTS`: the only hosts token URLs may name (`*.domain` for subdomains); empty: any. */
  readonly oauthTokenHosts: readonly string[];
  /** `AUTOPACK_OAUTH_REFRESH_TIMEOUT_SECONDS` (default 10): the whole provider call, response included. */
  readonly oauthRefreshTimeoutMs: number;
  /** The `token_cap` a started run gets when its request names none (`RUN_TOKEN_CAP`, default 5,000,000). */
  readonly runTokenCapDefault: number;
  /** Largest `patch_content` accepted in a builder or auditor result, in UTF-8 bytes (413 beyond). */
  readonly maxPatchBytes: number;
  /** Absolute directory holding run artifacts, one `<run_id>/` directory per run (required in production). */
  readonly runsRoot: string;
  /** Most entries an artifact index lists before it answers `truncated: true`. */
  readonly artifactIndexMaxEntries: number;
  /** Most bytes one artifact read returns (and, plus a bounded redaction overlap, reads from disk). */
  readonly artifactReadSizeCap: number;
  /** Redact every artifact read (on by default in production); `?redact=true` asks for it otherwise. */
  readonly artifactRedaction: boolean;
  /** The global external-actions kill switch (`AUTOPACK_EXTERNAL_ACTIONS_ENABLED`, default off). */
  readonly externalActionsEnabled: boolean;
  /** The per-domain kill switches (`AUTOPACK_ENABLE_*`, each default off). */
  readonly domainSwitches: Readonly<Record<DomainSwitch, boolean>>;
  /** `AUTOPACK_SIDE_EFFECTS_DRY_RUN` (default on): granted claims are dry runs, nothing is executed. */
  readonly sideEffectsDryRun: boolean;
  /** `AUTOPACK_MAX_DAILY_SPEND_USD` in cents: the hard cap of reserved spend per UTC day (default 0). */
  readonly maxDailySpendCents: number;
  /** `AUTOPACK_MAX_ACTIONS_PER_DAY`: executions granted per UTC day (default 50). */
  readonly maxActionsPerDay: number;
  /** How long an approval holds before the action becomes EXPIRED (default 24 h). */
  readonly actionApprovalTtlSeconds: number;
  /** How long a granted claim may run before the action becomes OUTCOME_UNKNOWN (default 300 s). */
  readonly actionLeaseSeconds: number;
  /** The validated `config/external-actions-policy.yaml` (or `AUTOPACK_EXTERNAL_ACTIONS_POLICY_FILE`). */
  readonly externalActionsPolicy: ExternalActionsPolicy;

  constructor(
    init: Omit<
      AppConfig,
      'isProduction' | 'credentialStorageEnabled' | 'withDatabaseUrl' | 'withApiKey' | 'summary'
    >,
  ) {
    Object.assign(this, init);
    Object.freeze(this);
  }

  get isProduction(): boolean {
    return this.env === 'production';
  }

  get credentialStorageEnabled(): boolean {
    return this.oauthProviders.length > 0;
  }

  withDatabaseUrl(databaseUrl: string): AppConfig {
    return new AppConfig({ ...this, databaseUrl });
  }

  withApiKey(apiKey: string): AppConfig {
    return new AppConfig({ ...this, apiKey });
  }

  /** What the process logs about itself at start: every secret reduced to whether it is set. */
  summary(): Record<string, unknown> {
    return {
      env: this.env,
      version: this.version,
      host: this.host,
      port: this.port,
      database_url: this.databaseUrl === undefined ? 'embedded' : maskUrl(this.databaseUrl),
      api_key: this.apiKey === undefined ? 'unset' : '***',
      public_read: this.publicRead,
      trusted_proxies: this.trustedProxies,
      body_limit_bytes: this.bodyLimitBytes,
      rate_limits: this.rateLimits,
      data_dir: this.dataDir,
      log_level: this.logLevel,
      log_file: this.logFile ?? 'stdout',
      jwt_keys: this.jwtPrivateKey === undefined ? 'ephemeral' : '***',
      jwt_issuer: this.jwtIssuer,
      jwt_audience: this.jwtAudience,
      jwt_ttl_seconds: this.jwtTtlSeconds,
      allow_registration: this.allowRegistration,
      credentials_key: this.credentialsKey === undefined ? 'unset' : '***',
      oauth_providers: this.oauthProviders,
      oauth_token_hosts: this.oauthTokenHosts,
      oauth_refresh_timeout_ms: this.oauthRefreshTimeoutMs,
      run_token_cap_default: this.runTokenCapDefault,
      max_patch_bytes: this.maxPatchBytes,
      runs_root: this.runsRoot,
      artifact_index_max_entries: this.artifactIndexMaxEntries,
      artifact_read_size_cap: this.artifactReadSizeCap,
      artifact_redaction: this.artifactRedaction,
      external_actions_enabled: this.externalActionsEnabled,
      domain_switches: this.domainSwitches,
      side_effects_dry_run: this.sideEffectsDryRun,
      max_daily_spend_cents: this.maxDailySpendCents,
      max_actions_per_day: this.maxActionsPerDay,
      action_approval_ttl_seconds: this.actionApprovalTtlSeconds,
      action_lease_seconds: this.actionLeaseSeconds,
    };
  }
}

/** `postgres://user:secret@host:5432/db` → `postgres://***@host:5432/db`; anything unparseable is fully masked. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const auth = parsed.username || parsed.password ? '***@' : '';
    return `${parsed.protocol}//${auth}${parsed.host}${parsed.pathname}`;
  } catch {
    return '***';
  }
}
