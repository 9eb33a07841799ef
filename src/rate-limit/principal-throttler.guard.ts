import { ExecutionContext, HttpException, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard } from '@nestjs/throttler';
import type { ThrottlerModuleOptions, ThrottlerRequest, ThrottlerStorage } from '@nestjs/throttler';
import type { AuthenticatedRequest } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { RATE_LIMIT_METADATA } from './rate-limit.decorator';
import type { RateLimitName } from './rate-limits';

/**
 * Rate limits count per principal when the request is authenticated, else per client IP. The client IP
 * comes from Express, which believes X-Forwarded-For only from AUTOPACK_TRUSTED_PROXIES.
 * Runs after the AuthGuard, which attaches the principal. A route marked `@RateLimit(name)` gets the
 * configured budget of that name instead of the default, shared by every route that carries the name
 * (30 decisions a minute, whichever decision routes they go to); the default budget counts per route.
 */
@Injectable()
export class PrincipalThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly config: AppConfig,
  ) {
    super(options, storage, reflector);
  }

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const name = this.budgetOf(request.context);
    const limit = name ? this.config.rateLimits[name] : request.limit;
    try {
      return await super.handleRequest({ ...request, limit });
    } catch (error) {
      if (error instanceof HttpException) throw error;
      // The shared counters are unavailable: fail closed rather than serve without limits.
      throw new ServiceUnavailableException('Rate limit store unavailable; retry shortly');
    }
  }

  protected override generateKey(context: ExecutionContext, tracker: string, throttler: string): string {
    const name = this.budgetOf(context);
    return name ? `budget:${name}:${tracker}` : super.generateKey(context, tracker, throttler);
  }

  private budgetOf(context: ExecutionContext): RateLimitName | undefined {
    return this.reflector.get<RateLimitName | undefined>(RATE_LIMIT_METADATA, context.getHandler());
  }

  protected override async getTracker(req: AuthenticatedRequest): Promise<string> {
    const principal = req.principal;
    if (principal && principal.kind !== 'anonymous') return principal.id;
    return `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
  }
}
