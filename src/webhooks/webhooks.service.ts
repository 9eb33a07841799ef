import { ConflictException, HttpException, HttpStatus, Injectable, NotFoundException } from '@nestjs/common';
import { keysetPage } from '../http/keyset-page';
import type { KeysetOrder } from '../http/keyset-page';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { auditContextFor, systemAuditContext } from '../audit/audit-context';
import type { AuditContext } from '../audit/audit-context';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { EventLogService } from '../events/event-log.service';
import { SYSTEM_OWNER } from '../events/event-types';
import type { EventType } from '../events/event-types';
import { bodyInvalid } from '../http/validation-errors';
import { outboundUrlProblem } from '../outbound/address-rules';
import { CredentialCipher } from '../secrets/credential-cipher';
import type { PageQueryDto } from '../auth/page-query.dto';
import type {
  CreateWebhookDto,
  UpdateWebhookDto,
  WebhookDeliveryDto,
  WebhookDeliveryPageDto,
  WebhookDto,
  WebhookListDto,
  WebhookWithSecretDto,
} from './dto/webhook.dto';
import { canMoveDelivery } from './delivery-lifecycle';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import type { WebhookKind } from './webhook-endpoint.entity';
import { mintSigningSecret } from './webhook-signature';

/** After a rotation, deliveries carry the previous secret's signature too, this long. */
export const SECRET_OVERLAP_MS = 24 * 3600_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const sealing = (id: string, field: 'url' | 'secret' | 'previous_secret') => `webhook:${id}:${field}`;

/** `https://hooks.slack.com/…AbCd`: recognisable, useless to anyone who reads it. */
function urlHint(raw: string): string {
  const url = new URL(raw);
  return `${url.protocol}//${url.host}/…${raw.slice(-4)}`;
}

/** Newest first, served by the (endpoint_id, created_at) index. */
const DELIVERY_LIST_ORDER: KeysetOrder = {
  list: 'webhook_deliveries',
  key: 'd.created_at',
  id: 'd.id',
  direction: 'DESC',
  idType: 'uuid',
};

/** Oldest first, as the list always was, served by the (created_at, id) index. */
const ENDPOINT_LIST_ORDER: KeysetOrder = {
  list: 'webhook_endpoints',
  key: 'w.created_at',
  id: 'w.id',
  direction: 'ASC',
  idType: 'uuid',
};

/**
 * Webhook endpoints, admin-managed: their URLs and signing secrets sealed like provider credentials,
 * every change audited in its transaction. The dispatcher (webhook-dispatcher.ts) delivers.
 */
@Injectable()
export class WebhooksService {
  private readonly sealer: CredentialCipher | null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly events: EventLogService,
  ) {
    this.sealer = config.credentialsKey ? new CredentialCipher(config.credentialsKey) : null;
  }

  private cipher(): CredentialCipher {
    if (!this.sealer) {
      throw new HttpException(
        'Webhooks need AUTOPACK_CREDENTIALS_KEY: their URLs and signing secrets are stored encrypted',
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    }
    return this.sealer;
  }

  /** The same SSRF rules as provider token URLs (src/outbound/address-rules.ts). */
  urlProblem(url: string): string | null {
    return outboundUrlProblem(url, { isProduction: this.config.isProduction, allowedHosts: [] }, 'url');
  }

  async create(dto: CreateWebhookDto, actor: Principal): Promise<WebhookWithSecretDto> {
    const cipher = this.cipher();
    const problem = this.urlProblem(dto.url);
    if (problem) throw bodyInvalid(['url'], problem, 'value_error.url');
    if (dto.kind === 'telegram' && !dto.telegram_chat_id) {
      throw bodyInvalid(['telegram_chat_id'], 'is required for kind telegram', 'missing');
    }
    const secret = mintSigningSecret();
    const id = randomUUID();
    const start = await this.events.head();
    return this.dataSource.transaction(async (manager) => {
      const row = manager.create(WebhookEndpoint, {
        id,
        name: dto.name,
        kind: dto.kind as WebhookKind,
        urlEnc: cipher.seal(dto.url, sealing(id, 'url')),
        urlHint: urlHint(dto.url),
        telegramChatId: dto.kind === 'telegram' ? dto.telegram_chat_id! : null,
        eventTypes: [...new Set(dto.event_types)] as EventType[],
        enabled: dto.enabled ?? true,
        disabledReason: null,
        secretEnc: cipher.seal(secret, sealing(id, 'secret')),
        previousSecretEnc: null,
        previousSecretExpiresAt: null,
        consecutiveFailures: 0,
        // Only what happens from now on is delivered.
        cursorTxId: start.txId,
        cursorId: start.id,
        createdBy: actor.id,
      });
      const saved = await manager.save(WebhookEndpoint, row);
      await this.auditChange(manager, auditContextFor(actor), 'webhook.created', saved);
      return { ...toDto(saved), secret };
    });
  }

  async list(page: PageQueryDto): Promise<WebhookListDto> {
    const select = this.dataSource.getRepository(WebhookEndpoint).createQueryBuilder('w');
    const { items, ...paging } = await keysetPage(select, ENDPOINT_LIST_ORDER, page);
    return { webhooks: items.map(toDto), ...paging };
  }

  async get(id: string): Promise<WebhookDto> {
    return toDto(await this.find(this.dataSource.manager, id));
  }

  async update(id: string, dto: UpdateWebhookDto, actor: Principal): Promise<WebhookDto> {
    const cipher = this.cipher();
    if (dto.url !== undefined) {
      const problem = this.urlProblem(dto.url);
      if (problem) throw bodyInvalid(['url'], problem, 'value_error.url');
    }
    return this.dataSource.transaction(async (manager) => {
      const row = await this.find(manager, id, true);
      if (dto.name !== undefined) row.name = dto.name;
      if (dto.url !== undefined) {
        row.urlEnc = cipher.seal(dto.url, sealing(row.id, 'url'));
        row.urlHint = urlHint(dto.url);
      }
      if (dto.event_types !== undefined) row.eventTypes = [...new Set(dto.event_types)] as EventType[];
      if (dto.telegram_chat_id !== undefined) {
        if (row.kind !== 'telegram') throw bodyInvalid(['telegram_chat_id'], 'is for kind telegram only');
        row.telegramChatId = dto.telegram_chat_id;
      }
      if (dto.enabled !== undefined && dto.enabled !== row.enabled) {
        row.enabled = dto.enabled;
        row.disabledReason = null;
        if (dto.enabled) row.consecutiveFailures = 0;
      }
      const saved = await manager.save(WebhookEndpoint, row);
      await this.auditChange(manager, auditContextFor(actor), 'webhook.updated', saved, {
        changed: Object.keys(dto).sort(),
      });
      return toDto(saved);
    });
  }

  async remove(id: string, actor: Principal): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const row = await this.find(manager, id, true);
      await manager.delete(WebhookDelivery, { endpointId: row.id });
      await manager.delete(WebhookEndpoint, { id: row.id });
      await this.auditChange(manager, auditContextFor(actor), 'webhook.deleted', row);
    });
  }

  /** A new secret, shown once; the previous one still signs (a second signature) for SECRET_OVERLAP_MS. */
  async rotate(id: string, actor: Principal): Promise<WebhookWithSecretDto> {
    const cipher = this.cipher();
    const secret = mintSigningSecret();
    return this.dataSource.transaction(async (manager) => {
      const row = await this.find(manager, id, true);
      const previous = cipher.open(row.secretEnc, sealing(row.id, 'secret'));
      row.previousSecretEnc = cipher.seal(previous, sealing(row.id, 'previous_secret'));
      row.previousSecretExpiresAt = new Date(Date.now() + SECRET_OVERLAP_MS);
      row.secretEnc = cipher.seal(secret, sealing(row.id, 'secret'));
      const saved = await manager.save(WebhookEndpoint, row);
      await this.auditChange(manager, auditContextFor(actor), 'webhook.secret_rotated', saved, {
        previous_valid_until: saved.previousSecretExpiresAt!.toISOString(),
      });
      return { ...toDto(saved), secret };
    });
  }

  async deliveries(id: string, page: PageQueryDto): Promise<WebhookDeliveryPageDto> {
    const endpoint = await this.find(this.dataSource.manager, id);
    const select = this.dataSource
      .getRepository(WebhookDelivery)
      .createQueryBuilder('d')
      .where('d.endpoint_id = :endpointId', { endpointId: endpoint.id });
    const { items, ...paging } = await keysetPage(select, DELIVERY_LIST_ORDER, page);
    return { deliveries: items.map(deliveryDto), ...paging };
  }

  /** Sends a finished (succeeded or failed) delivery again, now, with a fresh retry budget. */
  async redeliver(id: string, deliveryId: string, actor: Principal): Promise<WebhookDeliveryDto> {
    return this.dataSource.transaction(async (manager) => {
      const endpoint = await this.find(manager, id);
      const delivery = UUID.test(deliveryId)
        ? await manager.findOne(WebhookDelivery, {
            where: { id: deliveryId, endpointId: endpoint.id },
            lock: { mode: 'pessimistic_write' },
          })
        : null;
      if (!delivery) throw new NotFoundException(`Delivery "${deliveryId}" not found`);
      if (!canMoveDelivery(delivery.status, 'pending') || delivery.status === 'sending') {
        throw new ConflictException(
          `Delivery is ${delivery.status}; only a finished delivery is redelivered`,
        );
      }
      delivery.status = 'pending';
      delivery.attempts = 0;
      delivery.nextAttemptAt = new Date();
      const saved = await manager.save(WebhookDelivery, delivery);
      await this.auditChange(manager, auditContextFor(actor), 'webhook.redelivered', endpoint, {
        delivery_id: saved.id,
        event_type: saved.eventType,
      });
      return deliveryDto(saved);
    });
  }

  // ---- for the dispatcher ----

  /** The URL and the secrets that sign (the previous one too during an overlap). */
  openEndpoint(row: WebhookEndpoint): { url: string; secrets: string[] } {
    const cipher = this.cipher();
    const secrets = [cipher.open(row.secretEnc, sealing(row.id, 'secret'))];
    if (row.previousSecretEnc && row.previousSecretExpiresAt && row.previousSecretExpiresAt > new Date()) {
      secrets.push(cipher.open(row.previousSecretEnc, sealing(row.id, 'previous_secret')));
    }
    return { url: cipher.open(row.urlEnc, sealing(row.id, 'url')), secrets };
  }

  /** The server disables an endpoint (410, failures in a row): audited, and an event, in `manager`'s transaction. */
  async disable(manager: EntityManager, row: WebhookEndpoint, reason: string): Promise<void> {
    row.enabled = false;
    row.disabledReason = reason.slice(0, 200);
    await manager.save(WebhookEndpoint, row);
    await this.auditChange(manager, systemAuditContext('webhook-dispatcher'), 'webhook.disabled', row, {
      reason,
    });
    await this.events.append(manager, {
      type: 'webhook.disabled',
      subject: { type: 'webhook', id: row.id },
      owner: SYSTEM_OWNER,
      summary: `Webhook "${row.name}" (${row.urlHint}) was disabled: ${reason}`,
      data: { reason, kind: row.kind },
    });
  }

  private async find(manager: EntityManager, id: string, lock = false): Promise<WebhookEndpoint> {
    const row = UUID.test(id)
      ? await manager.findOne(WebhookEndpoint, {
          where: { id },
          ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
        })
      : null;
    if (!row) throw new NotFoundException(`Webhook "${id}" not found`);
    return row;
  }

  private async auditChange(
    manager: EntityManager,
    ctx: AuditContext,
    type: string,
    row: WebhookEndpoint,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    await this.audit.record(manager, {
      ...ctx,
      type,
      subject: { type: 'webhook', id: row.id },
      details: {
        name: row.name,
        kind: row.kind,
        url_hint: row.urlHint,
        event_types: row.eventTypes,
        enabled: row.enabled,
        ...extra,
      },
    });
  }
}

export function toDto(row: WebhookEndpoint): WebhookDto {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    url_hint: row.urlHint,
    telegram_chat_id: row.telegramChatId,
    event_types: row.eventTypes,
    enabled: row.enabled,
    disabled_reason: row.disabledReason,
    consecutive_failures: row.consecutiveFailures,
    previous_secret_expires_at: row.previousSecretExpiresAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function deliveryDto(row: WebhookDelivery): WebhookDeliveryDto {
  return {
    id: row.id,
    event_cursor: row.eventCursor,
    event_type: row.eventType,
    status: row.status,
    attempts: row.attempts,
    last_status_code: row.lastStatusCode,
    last_error: row.lastError,
    next_attempt_at: row.nextAttemptAt?.toISOString() ?? null,
    delivered_at: row.deliveredAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
  };
}
