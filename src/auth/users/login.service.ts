import { Injectable } from '@nestjs/common';
import { InjectThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import type { BudgetState } from '../../rate-limit/rate-limit-headers';
import { RATE_LIMIT_WINDOW_MS } from '../../rate-limit/rate-limits';
import { SessionsService } from '../sessions/sessions.service';
import type { ClientInfo, SessionGrant } from '../sessions/sessions.service';
import { PasswordHasher } from './password-hasher';
import { UsersService } from './users.service';

export type LoginOutcome = (
  { kind: 'ok'; grant: SessionGrant } | { kind: 'invalid' } | { kind: 'throttled'; retryAfterSeconds: number }
) & { /** The per-username budget after this attempt. */ budget: BudgetState };

/**
 * Password login. Attempts are counted per username before the password is looked at (the guard
 * counts them per client IP, see `@RateLimit('login')`), so guessing is slow from one address and
 * against one account from many. Unknown user, wrong password and disabled user are one answer,
 * after the same argon2 work. A successful login starts a session.
 */
@Injectable()
export class LoginService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly config: AppConfig,
    @InjectThrottlerStorage() private readonly attempts: ThrottlerStorage,
  ) {}

  async login(username: string, password: string, client: ClientInfo): Promise<LoginOutcome> {
    const normalized = username.trim().toLowerCase();
    // Hashed: the counter key has a fixed length whatever the caller sends as a username.
    const key = `login:user:${createHash('sha256').update(normalized).digest('hex')}`;
    const limit = this.config.rateLimits.login;
    const counted = await this.attempts.increment(
      key,
      RATE_LIMIT_WINDOW_MS,
      limit,
      RATE_LIMIT_WINDOW_MS,
      'login',
    );
    const budget = {
      limit,
      remaining: Math.max(0, limit - counted.totalHits),
      reset: counted.isBlocked ? counted.timeToBlockExpire : counted.timeToExpire,
    };
    if (counted.isBlocked) return { kind: 'throttled', retryAfterSeconds: counted.timeToBlockExpire, budget };

    const user = await this.users.findByUsername(normalized);
    const matches = await this.hasher.verifyOrWaste(user?.passwordHash, password);
    if (!user || !matches || user.disabledAt !== null) return { kind: 'invalid', budget };
    return { kind: 'ok', grant: await this.sessions.startSession(user, 'password', client), budget };
  }
}
