import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import type { DeepPartial } from 'typeorm';
import { assertMayDecide } from '../approvals/decision-rules';
import { HumansBehindService } from '../approvals/humans-behind.service';
import type { AuditContext } from '../audit/audit-context';
import type { Principal } from '../auth/principal';
import { CanonicalJsonError } from '../canonical-json/canonical-json';
import { AppConfig } from '../config/app-config';
import { ownerFilterFor } from '../access/visibility';
import { RunQueriesService } from '../runs/run-queries.service';
import { bodyInvalid } from '../http/validation-errors';
import {
  idempotencyKeyInFlight,
  idempotencyKeyReused,
  parseIdempotencyKey,
} from '../idempotency/idempotency-key';
import { canApply, statusesAccepting } from './action-lifecycle';
import { ActionLifecycleService } from './action-lifecycle.service';
import type { ActionConflictReason } from './action-reasons';
import type { CancelDto, ProposeActionDto, ReconcileDto, ReviewActionDto } from './dto/external-action.dto';
import { classifyAction, EXTERNAL_ACTIONS_POLICY } from './external-actions-policy';
import type { ActionClassification, ExternalActionsPolicy } from './external-actions-policy';
import { ExternalAction } from './external-action.entity';
import { payloadHashOf } from './payload-hash';

const UNIQUE_VIOLATION = '23505';

/** The advisory-lock key text of one (principal, idempotency key) pair. */
export const idempotencyLockText = (principalId: string, key: string) =>
  `external_action:${principalId}:${key}`;

export interface ProposeOutcome {
  action: ExternalAction;
  /** False for a replay: the same key and payload had already created the action. */
  created: boolean;
}

/** Proposals, human decisions, cancellation and reconciliation. Claims and outcomes: ActionClaimsService. */
@Injectable()
export class ExternalActionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly lifecycle: ActionLifecycleService,
    private readonly humans: HumansBehindService,
    private readonly runs: RunQueriesService,
    @Inject(EXTERNAL_ACTIONS_POLICY) private readonly policy: ExternalActionsPolicy,
  ) {}

  async propose(
    dto: ProposeActionDto,
    idempotencyKey: string | undefined,
    principal: Principal,
    ctx: AuditContext,
  ): Promise<ProposeOutcome> {
    assertIdempotencyKey(idempotencyKey);
    const payloadHash = proposalHashOf(dto);
    const rule = classifyAction(this.policy, dto.provider, dto.action);
    // An unclassified action can never execute, so its estimate is recorded, not limited.
    if (rule.classification === 'policy' && dto.estimated_spend_cents > rule.maxSpendCents) {
      throw bodyInvalid(
        ['estimated_spend_cents'],
        `exceeds the policy limit of ${dto.provider}.${dto.action} (${rule.maxSpendCents} cents)`,
        'value_error.spend_limit',
      );
    }

    try {
      return await this.dataSource.transaction(async (manager) => {
        // "In flight" = another transaction holds this key's lock: it has not committed (nor rolled back)
        // its proposal yet. Deciding that in PostgreSQL makes it hold across replicas.
        const [{ locked }] = (await manager.query(
          'SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked',
          [idempotencyLockText(principal.id, idempotencyKey)],
        )) as Array<{ locked: boolean }>;
        if (!locked) throw inFlight();

        const existing = await manager
          .getRepository(ExternalAction)
          .findOneBy({ proposedBy: principal.id, idempotencyKey });
        if (existing) {
          if (existing.payloadHash !== payloadHash) {
            throw idempotencyKeyReused('payload');
          }
          return { action: existing, created: false };
        }
        if (dto.run_id !== undefined && !(await this.runs.canSeeRun(dto.run_id, principal, manager))) {
          throw bodyInvalid(['run_id'], `names no run of yours ("${dto.run_id}")`);
        }

        const now = new Date();
        const autoApproved = rule.tier !== 'C';
        const repository = manager.getRepository(ExternalAction);
        const action = repository.create({
          ...proposedAction(dto, rule, payloadHash, idempotencyKey),
          ...proposer(principal, await this.humans.humansBehind(principal, manager)),
          ...(autoApproved ? approvedByPolicy(rule.tier, payloadHash, now, this.approvalExpiry(now)) : {}),
        });
        // Born PENDING or, by policy, APPROVED (INITIAL_STATUSES in action-lifecycle.ts).
        const saved = await repository.save(action);
        await this.lifecycle.record(manager, saved, 'action.proposed', ctx, {
          decision: autoApproved ? 'approved_by_policy' : 'pending_human_approval',
        });
        if (autoApproved) {
          await this.lifecycle.record(
            manager,
            saved,
            'action.approved',
            { actor: { kind: 'system', id: 'system:policy', name: 'policy' }, requestId: ctx.requestId },
            { decision: 'approved_by_policy' },
          );
        }
        return { action: saved, created: true };
      });
    } catch (error) {
      // The advisory lock makes this unreachable in practice; the constraint stays the last word.
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === UNIQUE_VIOLATION
      ) {
        throw inFlight();
      }
      throw error;
    }
  }

  /** A human's approval of exactly the reviewed payload. Two-person actions stay PENDING until the second. */
  async approve(
    id: string,
    dto: ReviewActionDto,
    principal: Principal,
    ctx: AuditContext,
  ): Promise<ExternalAction> {
    return this.dataSource.transaction(async (manager) => {
      const action = await this.lockForReview(manager, id, dto);
      const now = new Date();
      // An approval older than the approval lifetime no longer counts towards a two-person decision.
      const fresh = action.approvals.filter(
        (approval) =>
          new Date(approval.at).getTime() + this.config.actionApprovalTtlSeconds * 1000 > now.getTime(),
      );
      await this.assertMayReview(
        manager,
        action,
        principal,
        'approve',
        fresh.map((approval) => approval.by),
      );
      action.approvals = [
        ...fresh,
        { by: principal.id, name: principal.name, at: now.toISOString(), payload_hash: action.payloadHash },
      ];
      const details = () => ({
        reviewed_payload_hash: dto.payload_hash,
        approvals: action.approvals.length,
        approvals_required: action.approvalsRequired,
        reason: dto.reason ?? null,
      });
      if (action.approvals.length < action.approvalsRequired) {
        const saved = await manager.getRepository(ExternalAction).save(action);
        await this.lifecycle.record(manager, saved, 'action.approval_recorded', ctx, details());
        return saved;
      }
      action.approvedPayloadHash = action.payloadHash;
      action.approvedAt = now;
      action.approvalExpiresAt = this.approvalExpiry(now);
      action.decidedBy = principal.id;
      action.decisionReason = dto.reason ?? null;
      return this.lifecycle.transition(manager, action, 'approve', ctx, details());
    });
  }

  async reject(
    id: string,
    dto: ReviewActionDto,
    principal: Principal,
    ctx: AuditContext,
  ): Promise<ExternalAction> {
    return this.dataSource.transaction(async (manager) => {
      const action = await this.lockForReview(manager, id, dto);
      await this.assertMayReview(manager, action, principal, 'reject', []);
      action.decidedBy = principal.id;
      action.decisionReason = dto.reason ?? null;
      return this.lifecycle.transition(manager, action, 'reject', ctx, {
        reviewed_payload_hash: dto.payload_hash,
        reason: dto.reason ?? null,
      });
    });
  }

  /**
   * Cancels an action that is neither running nor final. `asProposer`: a machine withdrawing its own
   * proposal (it may cancel only what it proposed); otherwise an operator.
   */
  async cancel(
    id: string,
    dto: CancelDto,
    principal: Principal,
    ctx: AuditContext,
    asProposer: boolean,
  ): Promise<ExternalAction> {
    return this.dataSource.transaction(async (manager) => {
      const action = await lockAction(manager, id, asProposer ? ownerFilterFor(principal) : null);
      if (!canApply(action.status, 'cancel')) {
        throw new ConflictException(
          `An action in status ${action.status} cannot be cancelled (only ${statusesAccepting('cancel').join(', ')})`,
        );
      }
      action.decidedBy = principal.id;
      action.decisionReason = dto.reason;
      return this.lifecycle.transition(manager, action, 'cancel', ctx, {
        reason: dto.reason,
        by: asProposer ? 'proposer' : 'operator',
      });
    });
  }

  /**
   * The actions of a run an operator cancelled, in the caller's transaction: every one that may still be
   * cancelled (PENDING, APPROVED, FAILED) is, through the lifecycle like any cancellation; one that is
   * EXECUTING is left to finish (its outcome is still reported) and named in the answer.
   */
  async cancelOfRun(
    manager: EntityManager,
    runId: string,
    principal: Principal,
    ctx: AuditContext,
    reason: string,
  ): Promise<{ cancelled: string[]; executing: string[] }> {
    const actions = await manager
      .getRepository(ExternalAction)
      .createQueryBuilder('a')
      .setLock('pessimistic_write')
      .where('a.runId = :runId', { runId })
      .andWhere('a.status IN (:...statuses)', { statuses: [...statusesAccepting('cancel'), 'EXECUTING'] })
      .orderBy('a.id')
      .getMany();
    const cancelled: string[] = [];
    const executing: string[] = [];
    for (const action of actions) {
      if (!canApply(action.status, 'cancel')) {
        executing.push(action.id);
        continue;
      }
      action.decidedBy = principal.id;
      action.decisionReason = reason;
      await this.lifecycle.transition(manager, action, 'cancel', ctx, { reason, by: 'run_cancelled' });
      cancelled.push(action.id);
    }
    return { cancelled, executing };
  }

  /** An operator's verdict on an OUTCOME_UNKNOWN action; the reservation becomes the reported spend. */
  async reconcile(
    id: string,
    dto: ReconcileDto,
    principal: Principal,
    ctx: AuditContext,
  ): Promise<ExternalAction> {
    if (dto.result_status === 'success' && dto.external_object_id === undefined) {
      throw bodyInvalid(['external_object_id'], 'is required when result_status is success');
    }
    return this.dataSource.transaction(async (manager) => {
      const action = await lockAction(manager, id, null);
      if (action.status !== 'OUTCOME_UNKNOWN') {
        throw new ConflictException(
          `Only OUTCOME_UNKNOWN actions are reconciled (this one is ${action.status})`,
        );
      }
      return this.lifecycle.finish(manager, action, dto, 'reconcile', ctx, {
        reason: dto.reason,
        reconciled_by: principal.id,
      });
    });
  }

  approvalExpiry(from: Date): Date {
    return new Date(from.getTime() + this.config.actionApprovalTtlSeconds * 1000);
  }

  /** Locks a PENDING action for a human decision bound to the hash that human reviewed. */
  private async lockForReview(
    manager: EntityManager,
    id: string,
    dto: ReviewActionDto,
  ): Promise<ExternalAction> {
    const action = await lockAction(manager, id, null);
    if (action.status !== 'PENDING') {
      throw new ConflictException(`The action is ${action.status}, not PENDING: there is nothing to decide`);
    }
    if (dto.payload_hash !== action.payloadHash) {
      throw new ConflictException({
        message: "payload_hash is not the hash of this action's payload: review the current payload again",
        reason: 'hash_mismatch' satisfies ActionConflictReason,
      });
    }
    return action;
  }

  /**
   * The approvals rule (src/approvals): a human, not the proposer nor a person behind the proposing key
   * (recorded at proposal, and as the key stands now), and for N-person actions a new approver.
   */
  private async assertMayReview(
    manager: EntityManager,
    action: ExternalAction,
    principal: Principal,
    decision: 'approve' | 'reject',
    approvedBy: string[],
  ): Promise<void> {
    const now = await this.humans.humansBehind({ id: action.proposedBy }, manager);
    assertMayDecide(
      principal,
      {
        subject: 'action',
        requestedBy: action.proposedBy,
        requesterHumans: [...new Set([...action.proposerHumans, ...now])],
        approvedBy,
      },
      decision,
    );
  }
}

/**
 * The Idempotency-Key header is required on proposals (400 when missing; malformed: the one rule of
 * src/idempotency). The action row itself is the key's record (unique per proposer and key), so its
 * replay answers the action as it is now.
 */
function assertIdempotencyKey(key: string | undefined): asserts key is string {
  if (key === undefined || key === '') {
    throw new BadRequestException('The Idempotency-Key header is required');
  }
  parseIdempotencyKey(key);
}

/** The payload's hash, or a 422 for a payload that has no RFC 8785 canonical form. */
function proposalHashOf(dto: ProposeActionDto): string {
  try {
    return payloadHashOf(dto.payload);
  } catch (error) {
    if (error instanceof CanonicalJsonError) throw bodyInvalid(['payload'], error.message);
    throw error;
  }
}

/** A new proposal as the executor sent it and the policy classified it: PENDING, nothing approved yet. */
function proposedAction(
  dto: ProposeActionDto,
  rule: ActionClassification,
  payloadHash: string,
  idempotencyKey: string,
): DeepPartial<ExternalAction> {
  return {
    provider: dto.provider,
    action: dto.action,
    tier: rule.tier,
    classification: rule.classification,
    killSwitch: rule.killSwitch,
    approvalsRequired: rule.approvalsRequired,
    maxRetries: rule.maxRetries,
    status: 'PENDING',
    idempotencyKey,
    payload: dto.payload,
    payloadHash,
    approvedPayloadHash: null,
    summary: dto.summary,
    externalTarget: dto.external_target,
    estimatedSpendCents: dto.estimated_spend_cents,
    reservedSpendCents: 0,
    reservedDay: null,
    actualSpendCents: null,
    runId: dto.run_id ?? null,
    phaseId: dto.phase_id ?? null,
    approvals: [],
    approvedAt: null,
    approvalExpiresAt: null,
    decidedBy: null,
    decisionReason: null,
    attemptCount: 0,
  };
}

/** Who proposed: the principal, and the humans behind it (never approvers of this action). */
function proposer(principal: Principal, humans: string[]): DeepPartial<ExternalAction> {
  return {
    proposedBy: principal.id,
    proposedByKind: principal.kind,
    proposedByName: principal.name.slice(0, 200),
    proposerHumans: humans,
  };
}

/** Tier A and B actions are approved by the policy itself, bound to the proposed payload. */
function approvedByPolicy(
  tier: string,
  payloadHash: string,
  now: Date,
  expiresAt: Date,
): DeepPartial<ExternalAction> {
  return {
    status: 'APPROVED',
    approvedPayloadHash: payloadHash,
    approvals: [
      { by: 'policy', name: `tier ${tier} policy`, at: now.toISOString(), payload_hash: payloadHash },
    ],
    approvedAt: now,
    approvalExpiresAt: expiresAt,
    decidedBy: 'policy',
    decisionReason: `tier ${tier}: approved by policy`,
  };
}

const inFlight = idempotencyKeyInFlight;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `SELECT … FOR UPDATE` of one action, restricted to `owner` when given (a machine sees only its own:
 * another's action is indistinguishable from a missing one).
 */
export async function lockAction(
  manager: EntityManager,
  id: string,
  owner: string | null,
): Promise<ExternalAction> {
  const action = UUID.test(id)
    ? await manager
        .getRepository(ExternalAction)
        .createQueryBuilder('a')
        .setLock('pessimistic_write')
        .where('a.id = :id', { id })
        .getOne()
    : null;
  if (!action || (owner !== null && action.proposedBy !== owner)) {
    throw new NotFoundException(`No external action "${id}" visible to you`);
  }
  return action;
}
