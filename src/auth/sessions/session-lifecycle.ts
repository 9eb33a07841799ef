import type { Session } from './session.entity';

export type SessionStatus = 'active' | 'revoked' | 'expired' | 'idle_expired';

/**
 * A session's lifecycle, in one place: `active` until it is revoked (logout, an admin, reuse of a
 * refresh token, a change to its user) or its time runs out — the absolute lifetime (`expires_at`) or the
 * idle timeout counted from its last sign-in or refresh. Only an active session refreshes or authorizes.
 */
export function sessionStatus(
  session: Pick<Session, 'revokedAt' | 'expiresAt' | 'lastUsedAt'>,
  idleSeconds: number,
  now: Date = new Date(),
): SessionStatus {
  if (session.revokedAt !== null) return 'revoked';
  if (session.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (session.lastUsedAt.getTime() + idleSeconds * 1000 <= now.getTime()) return 'idle_expired';
  return 'active';
}
