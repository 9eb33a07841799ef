import type { Request } from 'express';

export type PrincipalKind = 'api_key' | 'user' | 'anonymous';

/** Scopes a stored API key may hold. The instance key holds all of them. */
export const API_SCOPES = [
  'runs:read',
  'runs:write',
  'actions:propose',
  'actions:execute',
  'approvals:request',
  'metrics:read',
  // The event log, page and stream (docs/EVENTS.md). Not implied by runs:read: a key that reads runs
  // does not silently start receiving every approval and action notification.
  'events:read',
] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** Roles of human users, weakest first: each role may do everything the ones before it may. */
export const USER_ROLES = ['viewer', 'operator', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** True when `held` is `required` or stronger. */
export const roleSatisfies = (held: UserRole, required: UserRole): boolean =>
  USER_ROLES.indexOf(held) >= USER_ROLES.indexOf(required);

/**
 * Who is making a request, as decided by the global guard. `id` is stable and prefixed with the
 * principal's kind (`apikey:instance`, `apikey:<uuid>`, `user:<uuid>`), so ownership and audit
 * records can name any principal in one column.
 */
export interface Principal {
  readonly kind: PrincipalKind;
  readonly id: string;
  /** A username for humans, the key's name for machines. */
  readonly name: string;
  readonly scopes: readonly ApiScope[];
  readonly isAdmin: boolean;
  /** Humans only: the user's role, read from the database on every request. */
  readonly role?: UserRole;
  /** Humans only: the sign-in session of the access token (its `sid`). */
  readonly sessionId?: string;
}

export const INSTANCE_KEY_PRINCIPAL: Principal = Object.freeze({
  kind: 'api_key',
  id: 'apikey:instance',
  name: 'instance key',
  scopes: API_SCOPES,
  isAdmin: true,
});

export const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({
  kind: 'anonymous',
  id: 'anonymous',
  name: 'anonymous',
  scopes: [],
  isAdmin: false,
});

export type AuthenticatedRequest = Request & { principal?: Principal; id?: string };
