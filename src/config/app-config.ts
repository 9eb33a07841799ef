import type { DomainSwitch } from '../external-actions/external-actions-policy';
import type { UserRole } from '../auth/principal';
import type { RateLimitName } from '../rate-limit/rate-limits';
import { configVariables } from './config-variables';
import type { ConfigFields } from './config-variables';

export { APP_ENVIRONMENTS, LOG_LEVELS } from './config-variables';
export type { AppEnvironment, LogLevel } from './config-variables';
export { maskUrl } from './mask-url';

/** OpenID Connect sign-in, present only when fully configured (docs/AUTHENTICATION.md, "SSO"). */
export interface SsoSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Registered at the provider exactly as written here. */
  readonly redirectUri: string;
  /** Space-separated, `openid` first. */
  readonly scopes: string;
  /** Empty: any domain. */
  readonly allowedEmailDomains: readonly string[];
  readonly groupsClaim: string;
  readonly requiredGroup: string | undefined;
  /** Groups-claim value → role. Empty: roles are managed in Autopack. */
  readonly roleMap: Readonly<Record<string, UserRole>>;
}

/** Fields set by `loadConfig`'s rules rather than by one variable each. */
interface RuleFields {
  readonly version: string;
  /** `AUTOPACK_PUBLIC_READ`: anonymous operator reads, honoured only outside production. */
  readonly publicRead: boolean;
  /** Per-minute request budgets by name (see RATE_LIMITS); `default` applies to every unmarked route. */
  readonly rateLimits: Readonly<Record<RateLimitName, number>>;
  /** The per-domain kill switches (`AUTOPACK_ENABLE_*`, each default off). */
  readonly domainSwitches: Readonly<Record<DomainSwitch, boolean>>;
  /** Legacy AUTO_APPROVE_BUILD113: auto-approve executor approval requests. Always false in production. */
  readonly autoApproveBuild113: boolean;
  /** True when production was asked for AUTO_APPROVE_BUILD113 and ignores it (logged at start). */
  readonly autoApproveBuild113Ignored: boolean;
  /** Self-service registration; always open outside production, opt-in (`=1`) in production. */
  readonly allowRegistration: boolean;
  /** SSO settings; undefined while SSO is off (the default). */
  readonly sso: SsoSettings | undefined;
  /** Model mappings for the dashboard (YAML), validated at start by the observability module. */
  readonly modelCatalogFile: string;
}

export type AppConfigInit = ConfigFields & RuleFields;

// The fields are declared by the table in config-variables.ts (one per variable) and by RuleFields.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface AppConfig extends AppConfigInit {}

/**
 * The validated, typed configuration of one process. Built once by `loadConfig` from the environment
 * and injected everywhere else; nothing outside `src/config` reads `process.env`.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class AppConfig {
  constructor(init: AppConfigInit) {
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

  withJwtKeys(jwtPrivateKey: string, jwtPublicKey: string): AppConfig {
    return new AppConfig({ ...this, jwtPrivateKey, jwtPublicKey });
  }

  /**
   * What the process logs about itself at start: every field of the configuration table, each secret
   * reduced to whether it is set, plus the fields set by rules.
   */
  summary(): Record<string, unknown> {
    const summary: Record<string, unknown> = { version: this.version };
    for (const [, spec] of configVariables()) {
      if (spec.field === undefined || spec.summary === false) continue;
      const value: unknown = (this as unknown as Record<string, unknown>)[spec.field];
      const key = spec.summary?.key ?? spec.field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
      summary[key] =
        value === undefined
          ? (spec.summary?.unset ?? (spec.secret ? 'unset' : undefined))
          : spec.summary?.show
            ? spec.summary.show(value)
            : spec.secret
              ? '***'
              : value;
    }
    return {
      ...summary,
      public_read: this.publicRead,
      rate_limits: this.rateLimits,
      domain_switches: this.domainSwitches,
      auto_approve_build113: this.autoApproveBuild113,
      allow_registration: this.allowRegistration,
      // Never the client id or secret; the issuer is a public URL.
      sso: this.sso ? { issuer: this.sso.issuer, redirect_uri: this.sso.redirectUri } : 'off',
    };
  }
}
