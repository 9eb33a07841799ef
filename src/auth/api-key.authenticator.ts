import { Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { INSTANCE_KEY_PRINCIPAL, Principal } from './principal';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Turns a presented `X-API-Key` into a machine principal, or null. Missing and wrong keys take the
 * same path (a constant-time digest comparison) so neither timing nor the answer tells them apart.
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly instanceKeyDigest: Buffer;

  constructor(config: AppConfig) {
    // Without an instance key nothing can match: compare against the digest of a random value.
    this.instanceKeyDigest = sha256(config.apiKey ?? `unset:${Math.random()}:${Date.now()}`);
  }

  async authenticate(presented: string | undefined): Promise<Principal | null> {
    const digest = sha256(presented ?? '');
    const matchesInstanceKey = timingSafeEqual(digest, this.instanceKeyDigest);
    if (presented !== undefined && presented !== '' && matchesInstanceKey) return INSTANCE_KEY_PRINCIPAL;
    return null;
  }
}
