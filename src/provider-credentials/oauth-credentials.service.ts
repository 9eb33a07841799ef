import { AuditService } from '../audit/audit.service';
import { keysetPage } from '../http/keyset-page';
import type { KeysetOrder } from '../http/keyset-page';
import { auditContextFor } from '../audit/audit-context';
import {
  Injectable,
  Logger,
  NotFoundException,
  OnModuleInit,
  ServiceUnavailableException,
} from '@nestjs/common';
import { DataSource, IsNull, Not } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { EventLogService } from '../events/event-log.service';
import { SYSTEM_OWNER } from '../events/event-types';
import { ConfigError } from '../config/config-error';
import { bodyInvalid } from '../http/validation-errors';
import type { Principal } from '../auth/principal';
import { CredentialCipher, secretHint } from '../secrets/credential-cipher';
import { credentialStatus, toHealthDto } from './credential-health';
import type {
  CredentialEventListDto,
  CredentialEventQueryDto,
  CredentialHealthDto,
  CredentialStatus,
  StoreCredentialDto,
} from './dto/oauth.dto';
import { OAuthCredentialEvent } from './oauth-credential-event.entity';
import type { CredentialEventType } from './oauth-credential-event.entity';
import { OAuthCredential } from './oauth-credential.entity';
import { tokenUrlProblem } from '../outbound/address-rules';

/** The secret fields, the column pair each lives in, and their AAD label. */
export const SECRET_FIELDS = [
  { field: 'client_secret', enc: 'clientSecretEnc', hint: 'clientSecretHint' },
  { field: 'access_token', enc: 'accessTokenEnc', hint: 'accessTokenHint' },
  { field: 'refresh_token', enc: 'refreshTokenEnc', hint: 'refreshTokenHint' },
] as const;
export type SecretField = (typeof SECRET_FIELDS)[number]['field'];

/** Binds a ciphertext to its provider and column. */
export const sealingContext = (provider: string, field: SecretField) => `oauth:${provider}:${field}`;

/**
 * The encrypted OAuth credential store. Each change (store/rotate, revoke, reset) is one method running
 * one transaction that also writes the lifecycle event, so an audit record can join it.
 */
/** Newest first, served by the created_at index. */
const CREDENTIAL_EVENT_ORDER: KeysetOrder = {
  list: 'oauth_events',
  key: 'e.created_at',
  id: 'e.id',
  direction: 'DESC',
  idType: 'uuid',
};

@Injectable()
export class OAuthCredentialsService implements OnModuleInit {
  private readonly logger = new Logger(OAuthCredentialsService.name);
  private readonly cipher: CredentialCipher | null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly eventLog: EventLogService,
  ) {
    this.cipher = config.credentialsKey ? new CredentialCipher(config.credentialsKey) : null;
  }

  /**
   * Start-up check against the database: stored credentials need the key that sealed them. Production
   * refuses to start without it (or with a key that does not open them); development only warns.
   */
  async onModuleInit(): Promise<void> {
    const sealed = await this.dataSource.getRepository(OAuthCredential).findOne({
      where: [
        { clientSecretEnc: Not(IsNull()) },
        { accessTokenEnc: Not(IsNull()) },
        { refreshTokenEnc: Not(IsNull()) },
      ],
      order: { provider: 'ASC' },
    });
    if (!sealed) return;
    let problem: string | null = null;
    if (!this.cipher) {
      problem =
        'OAuth credentials are stored in the database but AUTOPACK_CREDENTIALS_KEY (or _FILE) is not set';
    } else if (!this.opens(sealed)) {
      problem = `AUTOPACK_CREDENTIALS_KEY does not decrypt the stored credentials of "${sealed.provider}" (was the key changed?)`;
    }
    if (problem === null) return;
    if (this.config.isProduction) throw new ConfigError(problem);
    this.logger.warn(`${problem}; refreshing them will fail`);
  }

  /**
   * A provider credential's health, as `GET /api/auth/oauth/health/{provider}` reports it: `valid` and
   * `expiring` are usable; no stored credential, or a provider outside AUTOPACK_OAUTH_PROVIDERS, is
   * `not_configured`. Read on `manager` when given: a caller inside a transaction (an execution claim)
   * must not take a second pool connection, which could starve the pool.
   */
  async statusOf(provider: string, manager?: EntityManager, now = new Date()): Promise<CredentialStatus> {
    if (!this.config.oauthProviders.includes(provider)) return 'not_configured';
    const row = await (manager ?? this.dataSource.manager)
      .getRepository(OAuthCredential)
      .findOneBy({ provider });
    return credentialStatus(row, now);
  }

  /** The cipher, or 503 when no key is configured: secrets are never stored unencrypted. */
  requireCipher(): CredentialCipher {
    if (!this.cipher) {
      throw new ServiceUnavailableException(
        'Credential storage is disabled: AUTOPACK_CREDENTIALS_KEY is not set',
      );
    }
    return this.cipher;
  }

  /** 404 unless the provider is one this deployment configures (AUTOPACK_OAUTH_PROVIDERS). */
  requireProvider(provider: string): void {
    if (!this.config.oauthProviders.includes(provider)) {
      throw new NotFoundException(`Unknown provider "${provider}"`);
    }
  }

  /** Stores a provider's credentials the first time, or rotates the fields given. */
  async store(provider: string, input: StoreCredentialDto, actor: Principal): Promise<CredentialHealthDto> {
    this.requireProvider(provider);
    const cipher = this.requireCipher();
    if (input.token_url !== undefined) {
      const problem = tokenUrlProblem(input.token_url, {
        isProduction: this.config.isProduction,
        allowedHosts: this.config.oauthTokenHosts,
      });
      if (problem) throw bodyInvalid(['token_url'], problem, 'value_error.token_url');
    }
    return this.dataSource.transaction(async (manager) => {
      const existing = await this.lockRow(manager, provider);
      const from = credentialStatus(existing, new Date());
      if (!existing && (input.client_id === undefined || input.token_url === undefined)) {
        const missing = input.client_id === undefined ? 'client_id' : 'token_url';
        throw bodyInvalid([missing], 'is required when storing a provider first', 'missing');
      }
      const row =
        existing ?? manager.create(OAuthCredential, { provider, consecutiveFailures: 0, totalFailures: 0 });
      const changed: string[] = [];
      if (input.client_id !== undefined) {
        row.clientId = input.client_id;
        changed.push('client_id');
      }
      if (input.token_url !== undefined) {
        row.tokenUrl = input.token_url;
        changed.push('token_url');
      }
      for (const { field, enc, hint } of SECRET_FIELDS) {
        const value = input[field];
        if (value === undefined) {
          if (!existing) {
            row[enc] = null;
            row[hint] = null;
          }
          continue;
        }
        row[enc] = cipher.seal(value, sealingContext(provider, field));
        row[hint] = secretHint(value);
        changed.push(field);
      }
      if (input.expires_at !== undefined) {
        row.expiresAt = input.expires_at === null ? null : new Date(input.expires_at);
        changed.push('expires_at');
      } else if (!existing) {
        row.expiresAt = null;
      }
      // New secrets start a clean slate; the failure history is kept in total_failures.
      row.status = 'valid';
      row.consecutiveFailures = 0;
      row.lastError = null;
      row.refreshStartedAt = null;
      row.updatedBy = actor.id;
      if (!existing) {
        row.lastRefreshedAt = null;
        row.lastFailureAt = null;
      }
      const saved = await manager.save(OAuthCredential, row);
      await this.recordEvent(
        manager,
        provider,
        existing ? 'rotated' : 'stored',
        actor,
        { fields: changed.sort() },
        { from, to: credentialStatus(saved, new Date()) },
      );
      return toHealthDto(provider, saved);
    });
  }

  /** Wipes a provider's secrets (the row stays, `revoked`, so its history reads whole). */
  async revoke(provider: string, actor: Principal): Promise<CredentialHealthDto> {
    this.requireProvider(provider);
    return this.dataSource.transaction(async (manager) => {
      const row = await this.lockRow(manager, provider);
      if (!row) throw new NotFoundException(`No credentials are stored for "${provider}"`);
      const from = credentialStatus(row, new Date());
      for (const { enc, hint } of SECRET_FIELDS) {
        row[enc] = null;
        row[hint] = null;
      }
      row.status = 'revoked';
      row.refreshStartedAt = null;
      row.updatedBy = actor.id;
      const saved = await manager.save(OAuthCredential, row);
      await this.recordEvent(manager, provider, 'revoked', actor, {}, { from, to: 'revoked' });
      return toHealthDto(provider, saved);
    });
  }

  /** Clears the failure counts; a `refresh_failed` credential counts as valid again. */
  async reset(provider: string, actor: Principal): Promise<CredentialHealthDto> {
    this.requireProvider(provider);
    return this.dataSource.transaction(async (manager) => {
      const row = await this.lockRow(manager, provider);
      if (!row) throw new NotFoundException(`No credentials are stored for "${provider}"`);
      const before = { consecutive_failures: row.consecutiveFailures, total_failures: row.totalFailures };
      const from = credentialStatus(row, new Date());
      row.consecutiveFailures = 0;
      row.totalFailures = 0;
      row.lastError = null;
      if (row.status === 'refresh_failed' || row.status === 'refresh_pending') row.status = 'valid';
      row.refreshStartedAt = null;
      row.updatedBy = actor.id;
      const saved = await manager.save(OAuthCredential, row);
      await this.recordEvent(
        manager,
        provider,
        'reset',
        actor,
        { before },
        { from, to: credentialStatus(saved, new Date()) },
      );
      return toHealthDto(provider, saved);
    });
  }

  /** Every configured provider, stored or not. */
  async healthOfAll(): Promise<CredentialHealthDto[]> {
    const rows = await this.dataSource.getRepository(OAuthCredential).find();
    const byProvider = new Map(rows.map((row) => [row.provider, row]));
    const now = new Date();
    return [...this.config.oauthProviders]
      .sort()
      .map((provider) => toHealthDto(provider, byProvider.get(provider) ?? null, now));
  }

  async healthOf(provider: string): Promise<CredentialHealthDto> {
    this.requireProvider(provider);
    const row = await this.dataSource.getRepository(OAuthCredential).findOneBy({ provider });
    return toHealthDto(provider, row);
  }

  async events(query: CredentialEventQueryDto): Promise<CredentialEventListDto> {
    const select = this.dataSource.getRepository(OAuthCredentialEvent).createQueryBuilder('e');
    if (query.provider) select.where('e.provider = :provider', { provider: query.provider });
    const { items, ...paging } = await keysetPage(select, CREDENTIAL_EVENT_ORDER, query);
    return {
      events: items.map((event) => ({
        id: event.id,
        provider: event.provider,
        event: event.event,
        actor: event.actor,
        detail: event.detail,
        created_at: event.createdAt.toISOString(),
      })),
      ...paging,
    };
  }

  lockRow(manager: EntityManager, provider: string): Promise<OAuthCredential | null> {
    return manager.findOne(OAuthCredential, { where: { provider }, lock: { mode: 'pessimistic_write' } });
  }

  /**
   * Writes a lifecycle event inside the caller's transaction, and `credential.health_changed` to the
   * event log when the health status moved. `detail` must never hold a secret.
   */
  async recordEvent(
    manager: EntityManager,
    provider: string,
    event: CredentialEventType,
    actor: Principal,
    detail: Record<string, unknown>,
    health: { from: CredentialStatus; to: CredentialStatus },
  ): Promise<void> {
    if (health.from !== health.to) {
      await this.eventLog.append(manager, {
        type: 'credential.health_changed',
        subject: { type: 'credential', id: provider },
        owner: SYSTEM_OWNER,
        summary: `Provider credentials of ${provider}: ${health.from} → ${health.to} (${event.replace(/_/g, ' ')})`,
        data: { provider, from: health.from, to: health.to, cause: event },
      });
    }
    await manager.save(manager.create(OAuthCredentialEvent, { provider, event, actor: actor.id, detail }));
    await this.audit.record(manager, {
      ...auditContextFor(actor),
      type: `credential.${event}`,
      subject: { type: 'credential', id: provider },
      details: { provider, ...detail },
    });
  }

  private opens(row: OAuthCredential): boolean {
    try {
      for (const { field, enc } of SECRET_FIELDS) {
        const sealed = row[enc];
        if (sealed) this.cipher!.open(sealed, sealingContext(row.provider, field));
      }
      return true;
    } catch {
      return false;
    }
  }
}
