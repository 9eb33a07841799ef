import { roleSatisfies } from '../auth/principal';
import type { Principal } from '../auth/principal';

/**
 * THE visibility rule for runs (no BOLA): who may see every run rather than only their own. Admin
 * principals (the instance key, admin users) and human operators do; viewers and stored API keys see only
 * the runs they own.
 */
export function canSeeAllRuns(principal: Principal): boolean {
  if (principal.isAdmin) return true;
  return (
    principal.kind === 'user' && principal.role !== undefined && roleSatisfies(principal.role, 'operator')
  );
}

/**
 * The owner every run query must be restricted to, or null for "all runs". Every read and write of a run
 * goes through this, so a run the caller may not see is indistinguishable from one that does not exist.
 */
export function ownerFilterFor(principal: Principal): string | null {
  return canSeeAllRuns(principal) ? null : principal.id;
}
