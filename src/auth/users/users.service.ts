import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { keysetPage } from '../../http/keyset-page';
import type { KeysetOrder, KeysetPage } from '../../http/keyset-page';
import type { PageQueryDto } from '../page-query.dto';
import { AuditService } from '../../audit/audit.service';
import { auditContextFor, systemAuditContext } from '../../audit/audit-context';
import type { AuditContext } from '../../audit/audit-context';
import { DataSource, QueryFailedError } from 'typeorm';
import type { EntityManager } from 'typeorm';
import type { Principal, UserRole } from '../principal';
import { revokeUserSessions } from '../sessions/sessions.service';
import { PasswordHasher } from './password-hasher';
import { User, userPrincipalId } from './user.entity';

const UNIQUE_VIOLATION = '23505';

export interface NewUser {
  username: string;
  password: string;
  role: UserRole;
}

export interface UserChange {
  role?: UserRole;
  disabled?: boolean;
}

/**
 * Users and their roles. Every change is one method running one transaction, so the audit record of
 * the change can be written in the same transaction (`manager` is the place to pass to it).
 */
const USER_LIST_ORDER: KeysetOrder = {
  list: 'users',
  key: 'u.created_at',
  id: 'u.id',
  direction: 'ASC',
  idType: 'uuid',
};

@Injectable()
export class UsersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
  ) {}

  /**
   * Creates a user (registration, the CLI, tests). A taken username is a 409. `context` says who asked:
   * the anonymous registrant, an admin, or the system (CLI). `andThen` runs in the same transaction, after
   * the user exists (an admin's create issues a set-password token there).
   */
  async create(
    input: NewUser,
    context: AuditContext = systemAuditContext('users'),
    andThen?: (manager: EntityManager, user: User) => Promise<void>,
  ): Promise<User> {
    const passwordHash = await this.hasher.hash(input.password);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const user = manager.create(User, {
          username: input.username.trim().toLowerCase(),
          passwordHash,
          role: input.role,
          disabledAt: null,
        });
        await manager.insert(User, user);
        const created = await manager.findOneByOrFail(User, { id: user.id });
        await this.audit.record(manager, {
          ...context,
          type: 'user.created',
          subject: { type: 'user', id: created.id },
          details: { username: created.username, role: created.role },
        });
        if (andThen) await andThen(manager, created);
        return created;
      });
    } catch (error) {
      const code =
        error instanceof QueryFailedError ? (error.driverError as { code?: string }).code : undefined;
      if (code === UNIQUE_VIOLATION) {
        throw new ConflictException('That username is taken');
      }
      throw error;
    }
  }

  /** Changes a user's role and/or disables them. Admins cannot demote or disable themselves. */
  async update(rawId: string, change: UserChange, actor: Principal): Promise<User> {
    // UUIDs arrive in either case; the self-check below must compare the canonical form.
    const id = rawId.toLowerCase();
    const demotesOrDisables =
      change.disabled === true || (change.role !== undefined && change.role !== 'admin');
    if (actor.id === userPrincipalId(id) && demotesOrDisables) {
      // The acting admin stays an admin, so there is always at least one.
      throw new ConflictException('You cannot demote or disable yourself; ask another admin');
    }
    return this.dataSource.transaction(async (manager: EntityManager) => {
      const user = await manager.findOne(User, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw new NotFoundException('No such user');
      const before = { role: user.role, disabled: user.disabledAt !== null };
      if (change.role !== undefined) user.role = change.role;
      if (change.disabled !== undefined) {
        user.disabledAt = change.disabled ? (user.disabledAt ?? new Date()) : null;
      }
      await manager.save(User, user);
      const after = { role: user.role, disabled: user.disabledAt !== null };
      const events = [
        before.role !== after.role && 'user.role_changed',
        !before.disabled && after.disabled && 'user.disabled',
        before.disabled && !after.disabled && 'user.enabled',
      ].filter((type): type is string => typeof type === 'string');
      for (const type of events) {
        await this.audit.record(manager, {
          ...auditContextFor(actor),
          type,
          subject: { type: 'user', id: user.id },
          details: { username: user.username, before, after },
        });
      }
      // A disabled user, or one whose role changed, signs in again: no session outlives the change.
      if (after.disabled && !before.disabled) {
        await revokeUserSessions(manager, this.audit, user.id, 'user_disabled', auditContextFor(actor));
      } else if (before.role !== after.role) {
        await revokeUserSessions(manager, this.audit, user.id, 'role_changed', auditContextFor(actor));
      }
      return user;
    });
  }

  /** An admin ends every session of a user. 404 for an unknown user. */
  revokeSessions(id: string, actor: Principal): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await manager.existsBy(User, { id }))) throw new NotFoundException('No such user');
      return revokeUserSessions(manager, this.audit, id, 'revoked_by_admin', auditContextFor(actor));
    });
  }

  findById(id: string): Promise<User | null> {
    return this.dataSource.getRepository(User).findOneBy({ id });
  }

  findByUsername(username: string): Promise<User | null> {
    return this.dataSource.getRepository(User).findOneBy({ username: username.trim().toLowerCase() });
  }

  /** Oldest first, by keyset: two queries whatever the page's depth. */
  list(page: PageQueryDto): Promise<KeysetPage<User>> {
    return keysetPage(this.dataSource.getRepository(User).createQueryBuilder('u'), USER_LIST_ORDER, page);
  }
}
