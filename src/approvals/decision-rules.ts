import { ConflictException, ForbiddenException } from '@nestjs/common';
import type { Principal } from '../auth/principal';

/** What the decision rules need to know about a request waiting for a human: no database, no clock. */
export interface DecidableRequest {
  /** Which wording the refusals use: a legacy/governance `request`, or an external `action`. */
  subject: 'request' | 'action';
  /** Principal id of whoever asked (`apikey:<uuid>`, `apikey:instance`, `user:<uuid>`). */
  requestedBy: string;
  /**
   * The people behind the requester (`humansBehind`): itself if a user, a stored key's owner and minting
   * admin. Any of them deciding would be the requester deciding.
   */
  requesterHumans: readonly string[];
  /** N-person approvals: who has already approved (and still counts). Each person counts once. */
  approvedBy?: readonly string[];
}

/** Why a person may not decide (machine-readable; the inbox shows it instead of the buttons). */
export const DECISION_REFUSALS = ['not_a_human', 'own_request', 'requester_key', 'already_approved'] as const;
export type DecisionRefusalReason = (typeof DECISION_REFUSALS)[number];

export interface DecisionRefusal {
  reason: DecisionRefusalReason;
  /** 403 for who you are, 409 for an approval you already gave. */
  status: 403 | 409;
  message: string;
}

/**
 * The one rule for every human decision (approval requests, governance requests, external actions):
 * only a signed-in human decides, never the requester or a person behind it, and an N-person approval
 * needs N different people. Null when the decision may proceed, else why not.
 */
export function decisionRefusal(
  decider: Principal,
  request: DecidableRequest,
  decision: 'approve' | 'reject',
): DecisionRefusal | null {
  if (decider.kind !== 'user') {
    return { reason: 'not_a_human', status: 403, message: 'Only a signed-in human may decide' };
  }
  const own = decider.id === request.requestedBy;
  if (own || request.requesterHumans.includes(decider.id)) {
    const reason = own ? 'own_request' : 'requester_key';
    if (request.subject === 'action') {
      return {
        reason,
        status: 403,
        message: `The proposer (or the human behind the proposing key) cannot ${decision}`,
      };
    }
    return {
      reason,
      status: 403,
      message: own
        ? 'You cannot decide your own request'
        : 'This request was made by an API key you own or minted; another person must decide',
    };
  }
  if (decision === 'approve' && (request.approvedBy ?? []).includes(decider.id)) {
    return {
      reason: 'already_approved',
      status: 409,
      message: 'You have already approved this action; it needs a different second approver',
    };
  }
  return null;
}

/**
 * `decisionRefusal` as the API answers it: throws the 403/409, returns when the decision may proceed.
 *
 * The routes are `@UserAuth('operator')`, so a machine never gets here; the check stays, once, as
 * defence in depth.
 */
export function assertMayDecide(
  decider: Principal,
  request: DecidableRequest,
  decision: 'approve' | 'reject',
): void {
  const refusal = decisionRefusal(decider, request, decision);
  if (!refusal) return;
  if (refusal.status === 409) throw new ConflictException(refusal.message);
  throw new ForbiddenException(refusal.message);
}
