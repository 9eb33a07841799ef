import { Injectable, NotFoundException } from '@nestjs/common';
import { decisionRefusal } from '../approvals/decision-rules';
import type { DecidableRequest } from '../approvals/decision-rules';
import { HumansBehindService } from '../approvals/humans-behind.service';
import { roleSatisfies } from '../auth/principal';
import type { Principal } from '../auth/principal';
import type { ExternalActionDto } from '../external-actions/dto/external-action.dto';
import { ExternalActionsReader } from '../external-actions/external-actions.reader';
import type { ApprovalResponseDto } from '../governance/dto/approval.dto';
import type { GovernanceResponseDto } from '../governance/dto/governance.dto';
import { decodeCursor, mapWindow, pageOf } from '../http/keyset-page';
import type { KeysetOrder, KeysetWindow, Positioned } from '../http/keyset-page';
import { ApprovalRequestsService } from '../governance/approval-requests.service';
import { GovernanceRequestsService } from '../governance/governance-requests.service';
import type { InboxDto, InboxItemDto, InboxQueryDto } from './dto/inbox.dto';
import type { InboxKind } from './inbox-kinds';

/** The role the decision routes require (`@UserAuth('operator')` on approve/reject/decide). */
const DECIDER_ROLE = 'operator';
const SUMMARY_MAX = 200;

/** Newest first across the three kinds (ids are UUIDs, unique across them): the inbox's own cursor. */
const INBOX_ORDER: KeysetOrder = {
  list: 'inbox',
  key: 'created_at',
  id: 'id',
  direction: 'DESC',
  idType: 'uuid',
};

type Pending = Omit<InboxItemDto, 'may_decide' | 'reason' | 'reason_message'> & {
  approvedBy: string[];
};

const oneLine = (text: string) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > SUMMARY_MAX ? `${line.slice(0, SUMMARY_MAX - 1)}…` : line;
};

/** What an approval or governance request shows besides its own summary. */
const REQUEST_FIELDS = {
  approvals_required: 1,
  approvals: 0,
  provider: null,
  action: null,
  tier: null,
  payload_hash: null,
  approvedBy: [],
};

function fromApproval(a: ApprovalResponseDto): Pending {
  return {
    ...REQUEST_FIELDS,
    kind: 'approval',
    id: a.approval_id,
    run_id: a.run_id,
    phase_id: a.phase_id,
    summary: oneLine(a.context || `Approval for phase ${a.phase_id}`),
    requested_by: a.requested_by,
    created_at: a.requested_at,
    expires_at: a.expires_at,
  };
}

function fromGovernance(g: GovernanceResponseDto): Pending {
  const paths = g.paths.length;
  return {
    ...REQUEST_FIELDS,
    kind: 'governance_request',
    id: g.request_id,
    run_id: g.run_id,
    phase_id: g.phase_id,
    summary: oneLine(`${g.reason} (${paths} path${paths === 1 ? '' : 's'})`),
    requested_by: g.requested_by,
    created_at: g.requested_at,
    expires_at: g.expires_at,
  };
}

function fromAction(a: ExternalActionDto): Pending {
  return {
    kind: 'external_action',
    id: a.id,
    run_id: a.run_id,
    phase_id: a.phase_id,
    summary: oneLine(a.summary),
    requested_by: a.proposed_by,
    created_at: a.created_at,
    expires_at: null,
    approvals_required: a.approvals_required,
    approvals: a.approvals.length,
    provider: a.provider,
    action: a.action,
    tier: a.tier,
    payload_hash: a.payload_hash,
    approvedBy: a.approvals.map((approval) => approval.by),
  };
}

/**
 * Newest first, ties by id: the order every kind's window already has. Plain code-unit comparison, as
 * PostgreSQL compares these keys (fixed-width UTC timestamps, lower-case UUIDs); no locale collation.
 */
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const newestFirst = (a: Positioned<Pending>, b: Positioned<Pending>) =>
  byCodeUnits(b.position.key, a.position.key) || byCodeUnits(b.position.id, a.position.id);

/**
 * Every decision waiting for the signed-in human, from the three places they live, each read through its
 * owner's service (so expiry and visibility are theirs), with whether this person may decide it by THE
 * decision rule (src/approvals/decision-rules.ts) and, when not, why.
 */
@Injectable()
export class InboxService {
  constructor(
    private readonly approvals: ApprovalRequestsService,
    private readonly governance: GovernanceRequestsService,
    private readonly actions: ExternalActionsReader,
    private readonly humans: HumansBehindService,
  ) {}

  /**
   * A keyset page at constant cost however many are waiting: each kind gives its next `limit + 1` items
   * after the cursor's position, newest first; the newest `limit` of those are the page, and one more says
   * that a next page exists. Two queries per kind.
   */
  async list(query: InboxQueryDto, principal: Principal): Promise<InboxDto> {
    const limit = query.limit ?? 50;
    const after = query.cursor === undefined ? undefined : decodeCursor(INBOX_ORDER, query.cursor);
    const slice = { limit, after, runId: query.run_id };
    const want = (kind: InboxKind) => query.kind === undefined || query.kind === kind;
    const none: KeysetWindow<Pending> = { rows: [], total: 0, total_exact: true };
    const kinds = await Promise.all([
      want('approval')
        ? this.approvals.pendingNewest(principal, slice).then((w) => mapWindow(w, fromApproval))
        : none,
      want('governance_request')
        ? this.governance.pendingNewest(principal, slice).then((w) => mapWindow(w, fromGovernance))
        : none,
      want('external_action')
        ? this.actions.pendingNewest(principal, slice).then((w) => mapWindow(w, fromAction))
        : none,
    ]);
    const merged = kinds.flatMap((kind) => kind.rows).sort(newestFirst);
    const { items, next_cursor } = pageOf(INBOX_ORDER, merged, limit, (row) => row.position);
    return {
      items: await this.withDecisions(
        items.map((row) => row.item),
        principal,
      ),
      total: kinds.reduce((sum, kind) => sum + kind.total, 0),
      total_exact: kinds.every((kind) => kind.total_exact),
      limit,
      next_cursor,
    };
  }

  /** One pending item, read by id through its owner, or null when it is not pending or not visible. */
  async item(kind: InboxKind, id: string, principal: Principal): Promise<InboxItemDto | null> {
    const found = await this.pendingItem(kind, id, principal).catch((error: unknown) => {
      if (error instanceof NotFoundException) return null;
      throw error;
    });
    return found ? (await this.withDecisions([found], principal))[0] : null;
  }

  private async pendingItem(kind: InboxKind, id: string, principal: Principal): Promise<Pending | null> {
    if (kind === 'external_action') {
      const action = await this.actions.pendingOne(id, principal);
      return action && fromAction(action);
    }
    // Read through the owner, which records an overdue request as timed out first.
    if (kind === 'approval') {
      const approval = await this.approvals.pendingOne(id, principal);
      return approval && fromApproval(approval);
    }
    const request = await this.governance.pendingOne(id, principal);
    return request && fromGovernance(request);
  }

  private async withDecisions(items: Pending[], principal: Principal): Promise<InboxItemDto[]> {
    const behind = new Map<string, Promise<string[]>>();
    const humansBehind = (id: string) => {
      if (!behind.has(id)) behind.set(id, this.humans.humansBehind({ id }));
      return behind.get(id)!;
    };
    const roleOk = principal.role !== undefined && roleSatisfies(principal.role, DECIDER_ROLE);
    return Promise.all(
      items.map(async ({ approvedBy, ...item }) => {
        const request: DecidableRequest = {
          subject: item.kind === 'external_action' ? 'action' : 'request',
          requestedBy: item.requested_by,
          requesterHumans: await humansBehind(item.requested_by),
          approvedBy,
        };
        // Who you are comes first (you could never decide your own request, whatever your role).
        const refusal = decisionRefusal(principal, request, 'approve');
        if (refusal) {
          return { ...item, may_decide: false, reason: refusal.reason, reason_message: refusal.message };
        }
        if (!roleOk) {
          return {
            ...item,
            may_decide: false,
            reason: 'role_too_low' as const,
            reason_message: `Deciding needs the ${DECIDER_ROLE} role`,
          };
        }
        return { ...item, may_decide: true, reason: null, reason_message: null };
      }),
    );
  }
}
