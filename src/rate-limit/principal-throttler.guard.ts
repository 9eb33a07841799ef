import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AuthenticatedRequest } from '../auth/principal';

/**
 * Rate limits count per principal when the request is authenticated, else per client IP. The client IP
 * comes from Express, which believes X-Forwarded-For only from AUTOPACK_TRUSTED_PROXIES.
 * Runs after the AuthGuard, which attaches the principal.
 */
@Injectable()
export class PrincipalThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: AuthenticatedRequest): Promise<string> {
    const principal = req.principal;
    if (principal && principal.kind !== 'anonymous') return principal.id;
    return `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
  }
}
