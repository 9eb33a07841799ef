import { Injectable } from '@nestjs/common';
import type { Principal } from '../principal';
import { SessionsService } from '../sessions/sessions.service';
import { User, userPrincipalId } from './user.entity';

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
  constructor(private readonly sessions: SessionsService) {}

  async principalFor(claims: Record<string, unknown>): Promise<Principal | null> {
    const { sub, sid } = claims;
    if (typeof sub !== 'string' || typeof sid !== 'string' || !UUID.test(sub) || !UUID.test(sid)) return null;
    const user = await this.sessions.liveUser(sub, sid);
    return user ? userPrincipal(user, sid) : null;
  }
}
