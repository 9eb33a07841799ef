import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { auditContextFor } from '../../audit/audit-context';
import { AppConfig } from '../../config/app-config';
import type { Principal, UserRole } from '../principal';
import { revokeUserSessions, userContext } from '../sessions/sessions.service';
import { PasswordHasher } from './password-hasher';
import { passwordProblem } from './password-policy';
import { PasswordToken } from './password-token.entity';
import { User, userPrincipalId } from './user.entity';
import { UsersService } from './users.service';

/** Set-password tokens: `spt_` and 256 random bits, base64url. The shape is public; the bits are the secret. */
const SET_PASSWORD_TOKEN_SHAPE = /^spt_[A-Za-z0-9_-]{43}$/;

/** One answer for every token that sets nothing: unknown, malformed, used, expired, superseded, disabled user. */
export const INVALID_SET_PASSWORD_TOKEN = 'Invalid or expired set-password token; ask an admin for a new one';
export const WRONG_CURRENT_PASSWORD = 'The current password is not correct';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

/** A one-time set-password token as handed out, once. */
export interface SetPasswordLink {
  token: string;
  expiresAt: Date;
}

/**
 * Passwords set by an admin (create, reset), by a one-time set-password token, or by the user themselves.
 * Each change runs in one transaction with its audit event and ends the sessions the old password opened
 * (for the user's own change: all but the current one). The policy (password-policy.ts) is checked here
 * too, with the username as a context word, whatever the DTO already checked.
 */
@Injectable()
export class PasswordsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** An admin creates a user with a password, or without one: then the answer carries a set-password link. */
  async createUser(
    input: { username: string; role: UserRole; password?: string },
    actor: Principal,
  ): Promise<{ user: User; link?: SetPasswordLink }> {
    if (input.password !== undefined) this.checkPolicy(input.password, input.username);
    let link: SetPasswordLink | undefined;
    const user = await this.users.create(
      // Without a password, the stored hash is of random bits nobody knows: no password opens the account.
      { username: input.username, role: input.role, password: input.password ?? this.unusablePassword() },
      auditContextFor(actor),
      input.password === undefined
        ? async (manager, created) => {
            link = await this.issueToken(manager, created, actor, 'created');
          }
        : undefined,
    );
    return { user, link };
  }

  /**
   * An admin sets a user's password, or (no password) replaces it by nothing usable and issues a
   * set-password link. Either way the old password stops working and every session of the user ends.
   */
  async reset(
    rawId: string,
    password: string | undefined,
    actor: Principal,
  ): Promise<{ sessionsEnded: number; link?: SetPasswordLink }> {
    const id = rawId.toLowerCase();
    if (actor.id === userPrincipalId(id)) {
      throw new ConflictException('Change your own password with POST /api/auth/me/password');
    }
    const existing = await this.users.findById(id);
    if (!existing) throw new NotFoundException('No such user');
    if (password !== undefined) this.checkPolicy(password, existing.username);
    const passwordHash = await this.hasher.hash(password ?? this.unusablePassword());
    return this.dataSource.transaction(async (manager) => {
      const user = await manager.findOne(User, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw new NotFoundException('No such user');
      await manager.update(User, { id }, { passwordHash });
      await this.useUpOpenTokens(manager, id);
      await this.audit.record(manager, {
        ...auditContextFor(actor),
        type: 'user.password_reset',
        subject: { type: 'user', id },
        details: { username: user.username, method: password === undefined ? 'link' : 'password' },
      });
      const link = password === undefined ? await this.issueToken(manager, user, actor, 'reset') : undefined;
      const context = auditContextFor(actor);
      const sessionsEnded = await revokeUserSessions(manager, this.audit, id, 'password_reset', context);
      return { sessionsEnded, link };
    });
  }

  /**
   * Redeems a set-password token: sets the password, uses the token up, ends every session of the user.
   * A token that sets nothing (any reason) is one 400, so the answer tells an attacker nothing.
   */
  async redeem(presented: string, password: string): Promise<void> {
    if (!SET_PASSWORD_TOKEN_SHAPE.test(presented)) throw new BadRequestException(INVALID_SET_PASSWORD_TOKEN);
    await this.dataSource.transaction(async (manager) => {
      // The row lock makes two concurrent uses of one token a use and a refusal, never two uses.
      const token = await manager.findOne(PasswordToken, {
        where: { tokenHash: sha256(presented) },
        lock: { mode: 'pessimistic_write' },
      });
      const user =
        token &&
        (await manager.findOne(User, { where: { id: token.userId }, lock: { mode: 'pessimistic_write' } }));
      if (
        !token ||
        !user ||
        token.usedAt !== null ||
        token.expiresAt.getTime() <= Date.now() ||
        user.disabledAt !== null
      ) {
        throw new BadRequestException(INVALID_SET_PASSWORD_TOKEN);
      }
      this.checkPolicy(password, user.username);
      await manager.update(User, { id: user.id }, { passwordHash: await this.hasher.hash(password) });
      await this.useUpOpenTokens(manager, user.id);
      await this.audit.record(manager, {
        ...userContext(user),
        type: 'user.password_set',
        subject: { type: 'user', id: user.id },
        details: { username: user.username, method: 'set_password_token' },
      });
      await revokeUserSessions(manager, this.audit, user.id, 'password_reset', userContext(user));
    });
  }

  /**
   * A signed-in user changes their own password: the current one is required (a stolen access token alone
   * cannot take the account over). Every other session ends; `currentSessionId` stays.
   */
  async changeOwn(
    principal: Principal,
    currentPassword: string,
    newPassword: string,
  ): Promise<{ otherSessionsEnded: number }> {
    const id = principal.id.slice('user:'.length);
    return this.dataSource.transaction(async (manager) => {
      const user = await manager.findOne(User, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!user || !(await this.hasher.verifyOrWaste(user.passwordHash, currentPassword))) {
        throw new ForbiddenException(WRONG_CURRENT_PASSWORD);
      }
      if (newPassword === currentPassword) {
        throw new UnprocessableEntityException('new_password must differ from the current password');
      }
      this.checkPolicy(newPassword, user.username);
      await manager.update(User, { id }, { passwordHash: await this.hasher.hash(newPassword) });
      await this.useUpOpenTokens(manager, id);
      await this.audit.record(manager, {
        ...auditContextFor(principal),
        type: 'user.password_changed',
        subject: { type: 'user', id },
        details: { username: user.username },
      });
      const otherSessionsEnded = await revokeUserSessions(
        manager,
        this.audit,
        id,
        'password_changed',
        auditContextFor(principal),
        principal.sessionId,
      );
      return { otherSessionsEnded };
    });
  }

  private checkPolicy(password: string, username: string): void {
    const problem = passwordProblem(password, username);
    if (problem !== null) throw new UnprocessableEntityException(problem);
  }

  private unusablePassword(): string {
    return randomBytes(32).toString('base64url');
  }

  /** A fresh token for `user`, replacing any still open; audited without the token. */
  private async issueToken(
    manager: EntityManager,
    user: User,
    actor: Principal,
    reason: 'created' | 'reset',
  ): Promise<SetPasswordLink> {
    await this.useUpOpenTokens(manager, user.id);
    const token = `spt_${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(Date.now() + this.config.setPasswordTokenSeconds * 1000);
    await manager.insert(PasswordToken, {
      tokenHash: sha256(token),
      userId: user.id,
      expiresAt,
      usedAt: null,
    });
    await this.audit.record(manager, {
      ...auditContextFor(actor),
      type: 'user.set_password_link_issued',
      subject: { type: 'user', id: user.id },
      details: { username: user.username, reason, expires_at: expiresAt.toISOString() },
    });
    return { token, expiresAt };
  }

  /** Any password change makes the set-password tokens still open useless. */
  private async useUpOpenTokens(manager: EntityManager, userId: string): Promise<void> {
    await manager.update(PasswordToken, { userId, usedAt: IsNull() }, { usedAt: new Date() });
  }
}
