import type { CredentialStatus } from '../provider-credentials/dto/oauth.dto';
import type { ClaimDenialReason } from './action-reasons';
import { classifyAction } from './external-actions-policy';
import type { DomainSwitch, ExternalActionsPolicy } from './external-actions-policy';
import type { ExternalAction } from './external-action.entity';
import { payloadHashOf } from './payload-hash';

/** Credential states that let a provider be called; anything else (incl. `not_configured`) is unhealthy. */
const HEALTHY_CREDENTIAL: readonly CredentialStatus[] = ['valid', 'expiring'];

/** The switches and the policy as configured now (not as they were at proposal time). */
export interface ClaimSwitches {
  readonly externalActionsEnabled: boolean;
  readonly domainSwitches: Readonly<Record<DomainSwitch, boolean>>;
  readonly externalActionsPolicy: ExternalActionsPolicy;
}

export interface ClaimDenial {
  reason: ClaimDenialReason;
  detail: string;
}

/**
 * Why a claim of `action` must be refused, or null when every rule before the daily caps holds. Pure: the
 * caller reads the row (locked), the switches and the credential health, and applies what follows — for
 * `approval_expired` on an action still APPROVED/FAILED, the `approval_expired` transition. Checked in
 * this order; the first failure is the answer (docs/EXTERNAL_ACTIONS.md, "Claim").
 */
export function claimDenial(
  action: ExternalAction,
  presentedHash: string,
  now: Date,
  switches: ClaimSwitches,
  credential: CredentialStatus,
): ClaimDenial | null {
  const deny = (reason: ClaimDenialReason, detail: string) => ({ reason, detail });
  switch (action.status) {
    case 'APPROVED':
      break;
    case 'FAILED':
      if (action.attemptCount > action.maxRetries) {
        return deny(
          'retries_exhausted',
          `all ${action.maxRetries + 1} attempts allowed by the policy are used`,
        );
      }
      break;
    case 'EXPIRED':
      return deny('approval_expired', 'the approval has expired; propose the action again');
    case 'EXECUTING':
      return deny('already_claimed', 'another claim is executing this action');
    case 'COMPLETED':
    case 'DRY_RUN':
      return deny('already_executed', `the action is already ${action.status}`);
    case 'OUTCOME_UNKNOWN':
      return deny('outcome_unknown', 'the last attempt has no known outcome; an operator must reconcile it');
    default:
      return deny('not_approved', `the action is ${action.status}; only APPROVED actions execute`);
  }
  // Bound three ways: what the executor will run, what was approved, and what is stored now.
  if (
    action.approvedPayloadHash === null ||
    presentedHash !== action.approvedPayloadHash ||
    payloadHashOf(action.payload) !== action.approvedPayloadHash
  ) {
    return deny('hash_mismatch', 'the payload is not the payload that was approved');
  }
  if (action.approvalExpiresAt === null || action.approvalExpiresAt <= now) {
    return deny('approval_expired', 'the approval has expired; propose the action again');
  }
  if (!switches.externalActionsEnabled) {
    return deny('kill_switch_off', 'AUTOPACK_EXTERNAL_ACTIONS_ENABLED is off');
  }
  // The policy as configured now, not as it was at proposal time: a removed entry stops execution.
  const rule = classifyAction(switches.externalActionsPolicy, action.provider, action.action);
  if (rule.killSwitch === null) {
    return deny(
      'unclassified',
      `${action.provider}.${action.action} is not in the policy: it never executes`,
    );
  }
  if (!switches.domainSwitches[rule.killSwitch]) {
    return deny('domain_switch_off', `${rule.killSwitch} is off`);
  }
  if (!HEALTHY_CREDENTIAL.includes(credential)) {
    return deny('credential_unhealthy', `the ${action.provider} credential is ${credential}`);
  }
  return null;
}
