import { Injectable } from '@nestjs/common';
import { decisionRefusal } from '../approvals/decision-rules';
import type { DecidableRequest } from '../approvals/decision-rules';
import { HumansBehindService } from '../approvals/humans-behind.service';
import { roleSatisfies } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { ExternalActionsReader } from '../external-actions/external-actions.reader';
import { ApprovalRequestsService } from '../governance/approval-requests.service';
import { GovernanceRequestsService } from '../governance/governance-requests.service';
import type { InboxDto, InboxItemDto, InboxQueryDto } from './dto/inbox.dto';
import type { InboxKind } from './inbox-kinds';

/** The role the decision routes require (`@UserAuth('operator')` on approve/reject/decide). */
const DECIDER_ROLE = 'operator';
/** How many pending external actions one inbox read considers (the actions list's own page limit). */
const ACTIONS_WINDOW = 100;
const SUMMARY_MAX = 200;

type Pending = Omit<InboxItemDto, 'may_decide' | 'reason' | 'reason_message'> & {
  approvedBy: string[];
};

const oneLine = (text: string) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > SUMMARY_MAX ? `${line.slice(0, SUMMARY_MAX - 1)}…` : line;
};

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

  async list(query: InboxQueryDto, principal: Principal): Promise<InboxDto> {
    const limit = query.limit ?? 50;
    const pending = (await this.pending(principal, query.kind, query.run_id)).sort(
      (a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id),
    );
    const page = pending.slice(0, limit);
    return { items: await this.withDecisions(page, principal), total: pending.length, limit };
  }

  /** One pending item, or null when it is not pending or not visible to this principal. */
  async item(kind: InboxKind, id: string, principal: Principal): Promise<InboxItemDto | null> {
    const found = (await this.pending(principal, kind, undefined)).find((item) => item.id === id);
    return found ? (await this.withDecisions([found], principal))[0] : null;
  }

  private async pending(
    principal: Principal,
    kind: InboxKind | undefined,
    runId: string | undefined,
  ): Promise<Pending[]> {
    const want = (k: InboxKind) => kind === undefined || kind === k;
    const [approvals, governance, actions] = await Promise.all([
      want('approval') ? this.approvals.pending(principal) : [],
      want('governance_request') ? this.governance.pending(principal) : [],
      want('external_action')
        ? this.actions
            .list({ status: 'PENDING', run_id: runId, limit: ACTIONS_WINDOW, offset: 0 }, principal)
            .then((page) => page.actions)
        : [],
    ]);
    const request = {
      approvals_required: 1,
      approvals: 0,
      provider: null,
      action: null,
      tier: null,
      payload_hash: null,
    };
    const items: Pending[] = [
      ...approvals.map((a) => ({
        ...request,
        kind: 'approval' as const,
        id: a.approval_id,
        run_id: a.run_id,
        phase_id: a.phase_id,
        summary: oneLine(a.context || `Approval for phase ${a.phase_id}`),
        requested_by: a.requested_by,
        created_at: a.requested_at,
        expires_at: a.expires_at,
        approvedBy: [],
      })),
      ...governance.map((g) => ({
        ...request,
        kind: 'governance_request' as const,
        id: g.request_id,
        run_id: g.run_id,
        phase_id: g.phase_id,
        summary: oneLine(`${g.reason} (${g.paths.length} path${g.paths.length === 1 ? '' : 's'})`),
        requested_by: g.requested_by,
        created_at: g.requested_at,
        expires_at: g.expires_at,
        approvedBy: [],
      })),
      ...actions.map((a) => ({
        kind: 'external_action' as const,
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
      })),
    ];
    return runId === undefined ? items : items.filter((item) => item.run_id === runId);
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
