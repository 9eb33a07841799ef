import { AuditService } from '../../audit/audit.service';
import { keysetPage } from '../../http/keyset-page';
import type { KeysetOrder, KeysetPage } from '../../http/keyset-page';
import type { PageQueryDto } from '../page-query.dto';
import { auditContextFor } from '../../audit/audit-context';
import { Injectable, NotFoundException } from '@nestjs/common';
import { bodyInvalid } from '../../http/validation-errors';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import type { ApiScope, Principal } from '../principal';
import { User } from '../users/user.entity';
import { ApiKeyRecord } from './api-key.entity';
import { mintApiKeySecret } from './api-key-secret';

export interface NewApiKey {
  name: string;
  scopes: ApiScope[];
  owner?: string;
  expiresAt?: Date;
}

/** Only write `last_used_at` once a minute per key: a hot executor must not turn reads into writes. */
const LAST_USED_GRANULARITY = "interval '60 seconds'";

/**
 * Stored machine keys. Each change (create, revoke) is one method running one transaction, so its audit
 * record can join that transaction.
 */
const API_KEY_LIST_ORDER: KeysetOrder = {
  list: 'api_keys',
  key: 'k.created_at',
  id: 'k.id',
  direction: 'DESC',
  idType: 'uuid',
};

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** Mints a key; the returned `key` is the only time the secret exists outside the caller. */
  async create(input: NewApiKey, actor: Principal): Promise<{ record: ApiKeyRecord; key: string }> {
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
      throw bodyInvalid(['expires_at'], 'must be in the future');
    }
    const secret = mintApiKeySecret();
    return this.dataSource.transaction(async (manager) => {
      if (input.owner) {
        const ownerId = input.owner.slice('user:'.length);
        if (!(await manager.existsBy(User, { id: ownerId }))) {
          throw bodyInvalid(['owner'], 'names no user');
        }
      }
      const record = manager.create(ApiKeyRecord, {
        name: input.name,
        prefix: secret.prefix,
        secretHash: secret.hash,
        scopes: [...input.scopes].sort(),
        owner: input.owner ?? actor.id,
        createdBy: actor.id,
        lastUsedAt: null,
        expiresAt: input.expiresAt ?? null,
        revokedAt: null,
        revokedBy: null,
      });
      await manager.insert(ApiKeyRecord, record);
      const stored = await manager.findOneByOrFail(ApiKeyRecord, { id: record.id });
      // Never the secret: its prefix identifies the key in logs and listings.
      await this.audit.record(manager, {
        ...auditContextFor(actor),
        type: 'api_key.created',
        subject: { type: 'api_key', id: stored.id },
        details: {
          name: stored.name,
          prefix: stored.prefix,
          scopes: stored.scopes,
          owner: stored.owner,
          expires_at: stored.expiresAt?.toISOString() ?? null,
        },
      });
      return { record: stored, key: secret.key };
    });
  }

  /** Revokes a key: refused from its next request on. Revoking twice keeps the first revocation. */
  async revoke(id: string, actor: Principal): Promise<ApiKeyRecord> {
    return this.dataSource.transaction(async (manager) => {
      const record = await manager.findOne(ApiKeyRecord, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!record) throw new NotFoundException('No such API key');
      if (record.revokedAt === null) {
        record.revokedAt = new Date();
        record.revokedBy = actor.id;
        await manager.save(ApiKeyRecord, record);
        await this.audit.record(manager, {
          ...auditContextFor(actor),
          type: 'api_key.revoked',
          subject: { type: 'api_key', id: record.id },
          details: { name: record.name, prefix: record.prefix },
        });
      }
      return record;
    });
  }

  /**
   * The people behind a stored key: whom it acts for (`owner`) and the admin who minted it (`createdBy`),
   * or null for anything that is not a stored key. Read on `manager` when given (inside a transaction).
   * Decisions use it so that one person holding both a key and a login counts once.
   */
  async peopleBehind(
    principalId: string,
    manager?: EntityManager,
  ): Promise<{ owner: string; createdBy: string } | null> {
    const match = /^apikey:([0-9a-f-]{36})$/i.exec(principalId);
    if (!match) return null;
    const record = await (manager ?? this.dataSource.manager)
      .getRepository(ApiKeyRecord)
      .findOneBy({ id: match[1].toLowerCase() });
    return record ? { owner: record.owner, createdBy: record.createdBy } : null;
  }

  /** Newest first, by keyset: two queries whatever the page's depth. */
  list(page: PageQueryDto): Promise<KeysetPage<ApiKeyRecord>> {
    return keysetPage(
      this.dataSource.getRepository(ApiKeyRecord).createQueryBuilder('k'),
      API_KEY_LIST_ORDER,
      page,
    );
  }

  findByPrefix(prefix: string): Promise<ApiKeyRecord | null> {
    return this.dataSource.getRepository(ApiKeyRecord).findOneBy({ prefix });
  }

  async markUsed(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE api_keys SET last_used_at = now()
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - ${LAST_USED_GRANULARITY})`,
      [id],
    );
  }
}
