import { Injectable, NotFoundException } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import type { AuditContext } from '../../audit/audit-context';
import { AppConfig } from '../../config/app-config';
import { currentRequestId } from '../../http/request-id';
import { TokenService } from '../jwt/token.service';
import { User, userPrincipalId } from '../users/user.entity';
import { RefreshToken } from './refresh-token.entity';
import { sessionStatus } from './session-lifecycle';
import { Session } from './session.entity';
import type { SessionEndReason, SessionMethod } from './session.entity';

/** Refresh tokens: `rt_` and 256 random bits, base64url. The shape is public; the bits are the secret. */
const REFRESH_TOKEN_SHAPE = /^rt_[A-Za-z0-9_-]{43}$/;

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

/** Where a sign-in or refresh comes from, as shown to the user in their session list. */
export interface ClientInfo {
  userAgent: string | null;
  ipAddress: string | null;
}

/** What a sign-in or a refresh hands the client. */
export interface SessionGrant {
  sessionId: string;
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  /** When the session ends at the latest (the refresh cookie expires with it). */
  sessionExpiresAt: Date;
}

export type RefreshOutcome = { kind: 'ok'; grant: SessionGrant } | { kind: 'invalid' };

/** The audit context of a user acting for themselves in the current request. */
export const userContext = (user: Pick<User, 'id' | 'username'>): AuditContext => ({
  actor: { kind: 'user', id: userPrincipalId(user.id), name: user.username },
  requestId: currentRequestId(),
});

const clip = (value: string | null, length: number) => (value === null ? null : value.slice(0, length));

/**
 * Ends every open session of a user inside the caller's transaction (disabled, role changed, password
 * changed or reset, an admin's "sign out everywhere"), except `keep`, with one audit event. Returns how
 * many ended. A function, not a SessionsService method, so that the users service (and the CLI that
 * builds it by hand) need no token machinery.
 */
export async function revokeUserSessions(
  manager: EntityManager,
  audit: AuditService,
  userId: string,
  reason: SessionEndReason,
  context: AuditContext,
  keep?: string,
): Promise<number> {
  const open = await manager
    .createQueryBuilder(Session, 's')
    .setLock('pessimistic_write')
    .where('s.user_id = :userId AND s.revoked_at IS NULL AND s.expires_at > now()', { userId })
    .getMany();
  const ending = open.filter((session) => session.id !== keep);
  if (ending.length === 0) return 0;
  await manager
    .createQueryBuilder()
    .update(Session)
    .set({ revokedAt: () => 'now()', revokedReason: reason })
    .whereInIds(ending.map((session) => session.id))
    .execute();
  await audit.record(manager, {
    ...context,
    type: 'session.revoked_all',
    subject: { type: 'user', id: userId },
    details: { reason, sessions: ending.length },
  });
  return ending.length;
}

/**
 * Sign-in sessions and their rotating refresh tokens. Each refresh uses up the token it presents and
 * hands out the next one; presenting a used token again means it was copied, so the whole session ends
 * (and is audited). Every change runs in one transaction with its audit event.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** Starts a session for an enabled user inside the caller's transaction (password login, SSO). */
  async start(
    manager: EntityManager,
    user: User,
    method: SessionMethod,
    client: ClientInfo,
    context: AuditContext = userContext(user),
  ): Promise<SessionGrant> {
    const now = new Date();
    const session = manager.create(Session, {
      userId: user.id,
      method,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + this.config.sessionLifetimeSeconds * 1000),
      revokedAt: null,
      revokedReason: null,
      userAgent: clip(client.userAgent, 256),
      ipAddress: clip(client.ipAddress, 64),
    });
    await manager.insert(Session, session);
    const refreshToken = await this.mintRefreshToken(manager, session.id);
    await this.audit.record(manager, {
      ...context,
      type: 'session.started',
      subject: { type: 'session', id: session.id },
      details: { user_id: user.id, username: user.username, method },
    });
    return this.grant(user, session, refreshToken);
  }

  /** `start` in a transaction of its own. */
  startSession(user: User, method: SessionMethod, client: ClientInfo): Promise<SessionGrant> {
    return this.dataSource.transaction((manager) => this.start(manager, user, method, client));
  }

  /**
   * Exchanges a refresh token for a new access token and the next refresh token. Unknown, malformed and
   * ended-session tokens are `invalid`; a used token is `invalid` too, after its session was revoked.
   */
  async refresh(presented: string, client: ClientInfo): Promise<RefreshOutcome> {
    if (!REFRESH_TOKEN_SHAPE.test(presented)) return { kind: 'invalid' };
    return this.dataSource.transaction(async (manager) => {
      // The row lock makes two concurrent uses of one token a use and a reuse, never two uses.
      const token = await manager.findOne(RefreshToken, {
        where: { tokenHash: sha256(presented) },
        lock: { mode: 'pessimistic_write' },
      });
      if (!token) return { kind: 'invalid' } as const;
      const session = await manager.findOne(Session, {
        where: { id: token.sessionId },
        lock: { mode: 'pessimistic_write' },
      });
      const user = session && (await manager.findOneBy(User, { id: session.userId }));
      if (!session || !user) return { kind: 'invalid' } as const;

      if (token.usedAt !== null) {
        if (session.revokedAt === null) await this.reuseDetected(manager, session, user);
        return { kind: 'invalid' } as const;
      }
      if (sessionStatus(session, this.config.sessionIdleSeconds) !== 'active' || user.disabledAt !== null) {
        return { kind: 'invalid' } as const;
      }

      const now = new Date();
      await manager.update(RefreshToken, { tokenHash: token.tokenHash }, { usedAt: now });
      session.lastUsedAt = now;
      if (client.ipAddress !== null) session.ipAddress = clip(client.ipAddress, 64);
      await manager.update(Session, { id: session.id }, { lastUsedAt: now, ipAddress: session.ipAddress });
      const next = await this.mintRefreshToken(manager, session.id);
      await this.audit.record(manager, {
        ...userContext(user),
        type: 'session.refreshed',
        subject: { type: 'session', id: session.id },
        details: { user_id: user.id },
      });
      return { kind: 'ok', grant: this.grant(user, session, next) } as const;
    });
  }

  /**
   * Ends the session of a current refresh token (logout without an access token). A used token is reuse,
   * as on refresh. False when the token opens nothing.
   */
  async logout(presented: string): Promise<boolean> {
    if (!REFRESH_TOKEN_SHAPE.test(presented)) return false;
    return this.dataSource.transaction(async (manager) => {
      const token = await manager.findOneBy(RefreshToken, { tokenHash: sha256(presented) });
      const session =
        token &&
        (await manager.findOne(Session, {
          where: { id: token.sessionId },
          lock: { mode: 'pessimistic_write' },
        }));
      const user = session && (await manager.findOneBy(User, { id: session.userId }));
      if (!token || !session || !user || session.revokedAt !== null) return false;
      if (token.usedAt !== null) {
        await this.reuseDetected(manager, session, user);
        return false;
      }
      await this.end(manager, session, 'logout', userContext(user));
      return true;
    });
  }

  /** A user's own sessions that can still be used, newest first. */
  async listActive(userId: string): Promise<Session[]> {
    const sessions = await this.dataSource.getRepository(Session).find({
      where: { userId },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: 200,
    });
    return sessions.filter((s) => sessionStatus(s, this.config.sessionIdleSeconds) === 'active');
  }

  /** Ends one session of `userId` (their own); 404 for a session that is not theirs or already ended. */
  async revokeOne(
    userId: string,
    sessionId: string,
    reason: SessionEndReason,
    context: AuditContext,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const session = await manager.findOne(Session, {
        where: { id: sessionId, userId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!session || sessionStatus(session, this.config.sessionIdleSeconds) !== 'active') {
        throw new NotFoundException('No such session');
      }
      await this.end(manager, session, reason, context);
    });
  }

  /**
   * The user behind an access token's `sub` and `sid`, when the session is active and the user enabled;
   * else null. One indexed lookup (primary keys) on every request, no cache: ending a session or
   * disabling a user takes effect on the very next request.
   */
  liveUser(userId: string, sessionId: string): Promise<User | null> {
    return this.dataSource
      .getRepository(User)
      .createQueryBuilder('u')
      .innerJoin(Session, 's', 's.user_id = u.id')
      .where('u.id = :userId AND s.id = :sessionId AND u.disabled_at IS NULL', { userId, sessionId })
      .andWhere('s.revoked_at IS NULL AND s.expires_at > now()')
      .andWhere("s.last_used_at > now() - (:idle * interval '1 second')", {
        idle: this.config.sessionIdleSeconds,
      })
      .getOne();
  }

  private async reuseDetected(manager: EntityManager, session: Session, user: User): Promise<void> {
    session.revokedAt = new Date();
    session.revokedReason = 'refresh_token_reused';
    await manager.update(
      Session,
      { id: session.id },
      { revokedAt: session.revokedAt, revokedReason: session.revokedReason },
    );
    // The actor is unknown (whoever holds a copy); the event names the session's user as its subject owner.
    await this.audit.record(manager, {
      actor: { kind: 'anonymous', id: 'anonymous', name: 'refresh token holder' },
      requestId: currentRequestId(),
      type: 'session.refresh_token_reused',
      subject: { type: 'session', id: session.id },
      details: { user_id: user.id, username: user.username, session_revoked: true },
    });
  }

  private async end(
    manager: EntityManager,
    session: Session,
    reason: SessionEndReason,
    context: AuditContext,
  ): Promise<void> {
    await manager.update(Session, { id: session.id }, { revokedAt: new Date(), revokedReason: reason });
    await this.audit.record(manager, {
      ...context,
      type: 'session.revoked',
      subject: { type: 'session', id: session.id },
      details: { user_id: session.userId, reason },
    });
  }

  private async mintRefreshToken(manager: EntityManager, sessionId: string): Promise<string> {
    const token = `rt_${randomBytes(32).toString('base64url')}`;
    await manager.insert(RefreshToken, { tokenHash: sha256(token), sessionId, usedAt: null });
    return token;
  }

  private grant(user: User, session: Session, refreshToken: string): SessionGrant {
    const access = this.tokens.issue(user, session.id);
    return {
      sessionId: session.id,
      accessToken: access.accessToken,
      expiresIn: access.expiresIn,
      refreshToken,
      sessionExpiresAt: session.expiresAt,
    };
  }
}
