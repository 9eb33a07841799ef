import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { AUTH_METADATA, AuthRequirement } from './auth.decorators';
import { ANONYMOUS_PRINCIPAL, AuthenticatedRequest, Principal, roleSatisfies } from './principal';
import { JwtBearerGuard } from './jwt/jwt-bearer.guard';
import { StreamTicketsService } from './stream-tickets/stream-tickets.service';
import { UserAuthenticator } from './users/user.authenticator';

export const INVALID_CREDENTIALS = 'Missing or invalid credentials';

/** Every declared access rule of a handler: its own and its controller's. */
export function authRequirementsOf(reflector: Reflector, context: ExecutionContext): AuthRequirement[] {
  return reflector
    .getAll<Array<AuthRequirement | undefined>>(AUTH_METADATA, [context.getHandler(), context.getClass()])
    .filter((requirement): requirement is AuthRequirement => requirement !== undefined);
}

/**
 * The one gate in front of every route (registered as APP_GUARD). Deny by default: a route that
 * declares no access rule, or more than one, is refused. On success the request carries its Principal.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly apiKeys: ApiKeyAuthenticator,
    private readonly bearer: JwtBearerGuard,
    private readonly users: UserAuthenticator,
    private readonly tickets: StreamTicketsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const requirements = authRequirementsOf(this.reflector, context);
    if (requirements.length !== 1) {
      throw new ForbiddenException('This route declares no access rule and is refused');
    }
    const [requirement] = requirements;
    request.principal = await this.decide(requirement, request, context);
    return true;
  }

  private async decide(
    requirement: AuthRequirement,
    request: AuthenticatedRequest,
    context: ExecutionContext,
  ): Promise<Principal> {
    switch (requirement.mode) {
      case 'public':
        return ANONYMOUS_PRINCIPAL;

      case 'api_key': {
        const principal = await this.authenticateMachine(request);
        if (!principal) throw new UnauthorizedException(INVALID_CREDENTIALS);
        if (requirement.scope && !principal.scopes.includes(requirement.scope)) {
          throw new ForbiddenException(`This API key lacks the "${requirement.scope}" scope`);
        }
        return principal;
      }

      case 'public_read': {
        const ticket = request.query?.ticket;
        if (requirement.streamTicket && typeof ticket === 'string' && !this.presentsCredentials(request)) {
          // Single use: a ticket that was already used, expired or never minted is refused alike.
          const minted = await this.tickets.redeem(ticket);
          // A user is read again, like on every request: disabled since, or a changed role, counts now.
          const principal =
            minted?.kind === 'user' ? await this.users.enabledUser(minted.id.replace(/^user:/, '')) : minted;
          if (!principal) throw new UnauthorizedException(INVALID_CREDENTIALS);
          return this.withReadScope(principal, requirement);
        }
        if (!this.presentsCredentials(request)) {
          if (this.config.publicRead) return ANONYMOUS_PRINCIPAL;
          throw new UnauthorizedException(INVALID_CREDENTIALS);
        }
        // A bearer token makes the caller a human: every user (viewer and up) may read.
        if (request.headers.authorization !== undefined) return this.requireUser(request, context);
        const principal = await this.authenticateMachine(request);
        if (!principal) throw new UnauthorizedException(INVALID_CREDENTIALS);
        return this.withReadScope(principal, requirement);
      }

      case 'user': {
        // Human decisions: a machine key, even the instance key, never passes here.
        if (request.headers.authorization === undefined && (await this.authenticateMachine(request))) {
          throw new ForbiddenException(
            'This route needs a signed-in user (Authorization: Bearer), not an API key',
          );
        }
        const principal = await this.requireUser(request, context);
        if (requirement.role && !roleSatisfies(principal.role!, requirement.role)) {
          throw new ForbiddenException(`This route needs the "${requirement.role}" role`);
        }
        return principal;
      }
    }
  }

  /** A bearer token verified by passport-jwt (JwtStrategy) of a live session of an enabled user. */
  /** Machines need the scope the route declares (one truth with its x-autopack-auth); users read. */
  private withReadScope(principal: Principal, requirement: AuthRequirement): Principal {
    if (principal.kind === 'user' || principal.isAdmin) return principal;
    if (!(requirement.scope && principal.scopes.includes(requirement.scope))) {
      throw new ForbiddenException(`This API key lacks the "${requirement.scope}" scope`);
    }
    return principal;
  }

  private async requireUser(request: AuthenticatedRequest, context: ExecutionContext): Promise<Principal> {
    const principal = await this.bearer.authenticate(request, context.switchToHttp().getResponse());
    if (!principal || principal.kind !== 'user') throw new UnauthorizedException(INVALID_CREDENTIALS);
    return principal;
  }

  private presentsCredentials(request: AuthenticatedRequest): boolean {
    return request.headers['x-api-key'] !== undefined || request.headers.authorization !== undefined;
  }

  private authenticateMachine(request: AuthenticatedRequest): Promise<Principal | null> {
    const header = request.headers['x-api-key'];
    return this.apiKeys.authenticate(Array.isArray(header) ? undefined : header);
  }
}
