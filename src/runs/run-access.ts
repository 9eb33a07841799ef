import type { Principal } from '../auth/principal';

/**
 * THE visibility rule for runs (no BOLA): who may see every run rather than only their own.
 * Today that is an admin principal (the instance key). When the identity module lands, human users with
 * the `operator` role or higher join here, and nowhere else.
 */
export function canSeeAllRuns(principal: Principal): boolean {
  return principal.isAdmin;
}

/**
 * The owner every run query must be restricted to, or null for "all runs". Every read and write of a run
 * goes through this, so a run the caller may not see is indistinguishable from one that does not exist.
 */
export function ownerFilterFor(principal: Principal): string | null {
  return canSeeAllRuns(principal) ? null : principal.id;
}
