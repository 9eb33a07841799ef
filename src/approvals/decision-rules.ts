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

/**
 * The one rule for every human decision (approval requests, governance requests, external actions):
 * only a signed-in human decides, never the requester or a person behind it, and an N-person approval
 * needs N different people. Throws the 403/409 the API answers; returns when the decision may proceed.
 *
 * The routes are `@UserAuth('operator')`, so a machine never gets here; the check stays, once, as
 * defence in depth.
 */
export function assertMayDecide(
  decider: Principal,
  request: DecidableRequest,
  decision: 'approve' | 'reject',
): void {
  if (decider.kind !== 'user') throw new ForbiddenException('Only a signed-in human may decide');
  const own = decider.id === request.requestedBy;
  if (own || request.requesterHumans.includes(decider.id)) {
    if (request.subject === 'action') {
      throw new ForbiddenException(`The proposer (or the human behind the proposing key) cannot ${decision}`);
    }
    throw new ForbiddenException(
      own
        ? 'You cannot decide your own request'
        : 'This request was made by an API key you own or minted; another person must decide',
    );
  }
  if (decision === 'approve' && (request.approvedBy ?? []).includes(decider.id)) {
    throw new ConflictException(
      'You have already approved this action; it needs a different second approver',
    );
  }
}
