import { ForbiddenException } from '@nestjs/common';
import type { ApiKeysService } from '../auth/api-keys/api-keys.service';
import type { Principal } from '../auth/principal';

/**
 * Nobody decides their own request: not the requesting principal, and not the person who owns the key
 * that made it (one person holding both a key and a login counts once). Machines never reach this: the
 * decision routes are `@UserAuth('operator')`.
 */
export async function assertMayDecide(
  requestedBy: string,
  decider: Principal,
  keys: ApiKeysService,
): Promise<void> {
  if (decider.kind !== 'user') throw new ForbiddenException('Only a signed-in human may decide');
  if (requestedBy === decider.id) throw new ForbiddenException('You cannot decide your own request');
  if ((await keys.ownerOf(requestedBy)) === decider.id) {
    throw new ForbiddenException('This request was made by an API key you own; another person must decide');
  }
}
