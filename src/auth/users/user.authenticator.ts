import { Injectable } from '@nestjs/common';
import type { Principal } from '../principal';
import { SessionsService } from '../sessions/sessions.service';
import { User, userPrincipalId } from './user.entity';
import { UsersService } from './users.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The principal of a signed-in user. */
export function userPrincipal(user: User, sessionId?: string): Principal {
  return {
    kind: 'user',
    id: userPrincipalId(user.id),
    name: user.username,
    scopes: [],
    isAdmin: user.role === 'admin',
    role: user.role,
    ...(sessionId ? { sessionId } : {}),
  };
}

/**
 * Turns the verified claims of an access token into a human principal, or null. The user and the session
 * are read from the database on every request, so ending a session, disabling a user or changing their
 * role (which ends their sessions) takes effect at once.
 */
@Injectable()
export class UserAuthenticator {
  constructor(
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
  ) {}

  async principalFor(claims: Record<string, unknown>): Promise<Principal | null> {
    const { sub, sid } = claims;
    if (typeof sub !== 'string' || typeof sid !== 'string' || !UUID.test(sub) || !UUID.test(sid)) return null;
    const user = await this.sessions.liveUser(sub, sid);
    return user ? userPrincipal(user, sid) : null;
  }

  /**
   * An enabled user's principal as the database has it now (role included), or null: for a stream ticket,
   * whose holder is read again when the ticket is used.
   */
  async enabledUser(userId: string): Promise<Principal | null> {
    if (!UUID.test(userId)) return null;
    const user = await this.users.findById(userId);
    return user && user.disabledAt === null ? userPrincipal(user) : null;
  }
}
