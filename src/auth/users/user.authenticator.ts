import { Injectable } from '@nestjs/common';
import { TokenService } from '../jwt/token.service';
import type { Principal } from '../principal';
import { userPrincipalId } from './user.entity';
import { UsersService } from './users.service';

/**
 * Turns `Authorization: Bearer <jwt>` into a human principal, or null. The user is read from the
 * database on every request, so disabling a user or changing their role takes effect at once.
 */
@Injectable()
export class UserAuthenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly users: UsersService,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Principal | null> {
    const match = /^Bearer ([^\s]+)$/i.exec(authorization ?? '');
    if (!match) return null;
    const claims = this.tokens.verify(match[1]);
    if (!claims) return null;
    return this.principalOf(claims.sub);
  }

  /** The principal of an enabled user as the database has it now (role included), or null. */
  async principalOf(userId: string): Promise<Principal | null> {
    const user = await this.users.findById(userId);
    if (!user || user.disabledAt !== null) return null;
    return {
      kind: 'user',
      id: userPrincipalId(user.id),
      name: user.username,
      scopes: [],
      isAdmin: user.role === 'admin',
      role: user.role,
    };
  }
}
