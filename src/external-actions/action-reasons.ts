/**
 * The machine-readable `reason` of every refusal the external-actions API answers. Clients switch on
 * these, never on message text; each list is an enum in the contract (docs/openapi.json).
 */

/** Why a claim was refused (409 `ClaimDeniedDto`): stable, documented in docs/EXTERNAL_ACTIONS.md. */
export const CLAIM_DENIAL_REASONS = [
  'not_approved',
  'already_claimed',
  'already_executed',
  'outcome_unknown',
  'retries_exhausted',
  'hash_mismatch',
  'approval_expired',
  'kill_switch_off',
  'unclassified',
  'domain_switch_off',
  'credential_unhealthy',
  'spend_cap',
  'action_cap',
] as const;
export type ClaimDenialReason = (typeof CLAIM_DENIAL_REASONS)[number];

/**
 * Why a review or an outcome report was refused (409 `ActionConflictDto`): the reviewed hash is not the
 * payload's (`hash_mismatch`), no execution of that attempt is running (`not_executing`), the reporter is
 * not the claimant (`not_claimant`), or the lease ran out first (`lease_expired`: OUTCOME_UNKNOWN).
 */
export const ACTION_CONFLICT_REASONS = [
  'hash_mismatch',
  'not_executing',
  'not_claimant',
  'lease_expired',
] as const;
export type ActionConflictReason = (typeof ACTION_CONFLICT_REASONS)[number];
