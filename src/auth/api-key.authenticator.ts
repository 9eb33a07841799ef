import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { apiKeyPrincipalId, apiKeyStatus } from './api-keys/api-key.entity';
import { storedKeyPrefix } from './api-keys/api-key-secret';
import { ApiKeysService } from './api-keys/api-keys.service';
import { INSTANCE_KEY_PRINCIPAL, Principal } from './principal';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Turns a presented `X-API-Key` into a machine principal, or null: the instance key, or a stored key
 * that is neither revoked nor expired. Missing, unknown and wrong keys take the same path (digest
 * comparisons in constant time against a real or a decoy hash) and get the same answer.
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly instanceKeyDigest: Buffer;
  /** Compared against when no stored key has the presented prefix, so both cases do the same work. */
  private readonly decoyDigest = sha256(randomBytes(32).toString('hex'));

  constructor(
    config: AppConfig,
    private readonly storedKeys: ApiKeysService,
  ) {
    // Without an instance key nothing can match: compare against the digest of a random value.
    this.instanceKeyDigest = config.apiKey ? sha256(config.apiKey) : sha256(randomBytes(32).toString('hex'));
  }

  async authenticate(presented: string | undefined): Promise<Principal | null> {
    const value = presented ?? '';
    const digest = sha256(value);
    if (value !== '' && timingSafeEqual(digest, this.instanceKeyDigest)) return INSTANCE_KEY_PRINCIPAL;

    // Only a well-formed stored key costs a lookup; the format itself is public.
    const prefix = storedKeyPrefix(value);
    const { record, fresh } = prefix
      ? await this.storedKeys.findForAuthentication(prefix)
      : { record: null, fresh: false };
    const expected = record ? Buffer.from(record.secretHash, 'hex') : this.decoyDigest;
    const matches = timingSafeEqual(digest, expected);
    // Status (revoked, expired) is judged now, on every request, even for a recently looked-up key.
    if (!record || !matches || apiKeyStatus(record) !== 'active') return null;

    if (fresh) await this.storedKeys.markUsed(record.id);
    return {
      kind: 'api_key',
      id: apiKeyPrincipalId(record.id),
      name: record.name,
      scopes: record.scopes,
      isAdmin: false,
    };
  }
}
