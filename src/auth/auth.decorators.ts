import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension, ApiSecurity } from '@nestjs/swagger';
import type { ApiScope, UserRole } from './principal';

export const AUTH_METADATA = 'autopack:auth';

export type AuthMode = 'public' | 'public_read' | 'api_key' | 'user';

/**
 * What a route declares about who may call it; the guard enforces it and the contract shows it (the
 * 401/403 it implies are documented from `x-autopack-auth` by src/openapi/framework-responses.ts).
 */
export interface AuthRequirement {
  mode: AuthMode;
  scope?: ApiScope;
  role?: UserRole;
  /**
   * `public_read` only: a single-use stream ticket (`?ticket=`, POST /events/stream-ticket) also
   * authenticates, for browsers' EventSource, which cannot send headers.
   */
  streamTicket?: boolean;
}

export const API_KEY_SECURITY = 'api_key';
export const BEARER_SECURITY = 'bearer';

/** Two access rules on one handler would silently overwrite each other: refuse at load time instead. */
const onlyOneRule = (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
  const subject = (descriptor?.value as object | undefined) ?? target;
  if (Reflect.hasOwnMetadata(AUTH_METADATA, subject)) {
    throw new Error(
      `${String(key ?? (target as { name?: string }).name)} declares more than one access rule`,
    );
  }
};

function declare(requirement: AuthRequirement, ...docs: Array<ClassDecorator | MethodDecorator>) {
  return applyDecorators(
    onlyOneRule,
    SetMetadata(AUTH_METADATA, requirement),
    ApiExtension('x-autopack-auth', { ...requirement }),
    ...docs,
  );
}

/** Anyone, without credentials. The allowlist: keep it minimal and justify each entry in the contract. */
export const Public = () => declare({ mode: 'public' });

/**
 * Operator reads: any authenticated principal with read rights (a user, or an API key holding `scope`,
 * `runs:read` unless named). Anonymous only outside production with `AUTOPACK_PUBLIC_READ=1`.
 * `streamTicket` also admits a single-use stream ticket in `?ticket=` (for EventSource).
 */
export const PublicRead = (scope: ApiScope = 'runs:read', options: { streamTicket?: boolean } = {}) =>
  declare(
    { mode: 'public_read', scope, ...(options.streamTicket ? { streamTicket: true } : {}) },
    ApiSecurity(API_KEY_SECURITY),
    ApiSecurity(BEARER_SECURITY),
  );

/** Machines: `X-API-Key` holding `scope` (the instance key holds every scope). */
export const ApiKey = (scope?: ApiScope) =>
  declare(scope ? { mode: 'api_key', scope } : { mode: 'api_key' }, ApiSecurity(API_KEY_SECURITY));

/**
 * Humans: an RS256 JWT (`Authorization: Bearer`) of an enabled user holding `role` or a stronger one
 * (any user when no role is named). Machine keys never pass, not even the instance key.
 */
export const UserAuth = (role?: UserRole) =>
  declare(role ? { mode: 'user', role } : { mode: 'user' }, ApiSecurity(BEARER_SECURITY));
