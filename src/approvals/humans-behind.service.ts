import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ApiKeysService } from '../auth/api-keys/api-keys.service';

/** Only people count: a key owned or minted by another key (or by the system) has no human behind it. */
const HUMAN = 'user:';

/**
 * The people a principal stands for, so that "nobody decides their own request" holds however the
 * request was made: a user is itself; a stored API key is its owner and the admin who minted it (users
 * only); the instance key stands for nobody.
 */
@Injectable()
export class HumansBehindService {
  constructor(private readonly keys: ApiKeysService) {}

  async humansBehind(principal: { id: string }, manager?: EntityManager): Promise<string[]> {
    if (principal.id.startsWith(HUMAN)) return [principal.id];
    const people = await this.keys.peopleBehind(principal.id, manager);
    if (!people) return [];
    return [...new Set([people.owner, people.createdBy].filter((id) => id.startsWith(HUMAN)))];
  }
}
