import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import type { AuditContext } from '../audit/audit-context';
import { AuditService } from '../audit/audit.service';
import { apiKeyPrincipalId, ApiKeyRecord } from '../auth/api-keys/api-key.entity';
import type { Principal } from '../auth/principal';
import { canonicalJson, CanonicalJsonError } from '../canonical-json/canonical-json';
import { AppConfig } from '../config/app-config';
import { ownerFilterFor } from '../access/visibility';
import { bodyInvalid } from '../http/validation-errors';
import { actionAuditEvent, SpendSnapshot } from './action-audit';
import type { CancelDto, ProposeActionDto, ReconcileDto, ReviewActionDto } from './dto/external-action.dto';
import { classifyAction, EXTERNAL_ACTIONS_POLICY } from './external-actions-policy';
import type { ExternalActionsPolicy } from './external-actions-policy';
import { ExternalAction } from './external-action.entity';
import type { ActionStatus } from './external-action.entity';
import { KillSwitchesService } from './kill-switches.service';

const UNIQUE_VIOLATION = '23505';
/** Visible ASCII, as the IETF Idempotency-Key draft's examples; long enough for a UUID or a hash. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** Statuses from which an action may still be cancelled: nothing is running and nothing is final. */
const CANCELLABLE: readonly ActionStatus[] = ['PENDING', 'APPROVED', 'FAILED'];

export const payloadHashOf = (payload: unknown): string =>
  createHash('sha256').update(canonicalJson(payload), 'utf8').digest('hex');

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
    private readonly audit: AuditService,
    private readonly switches: KillSwitchesService,
    @Inject(EXTERNAL_ACTIONS_POLICY) private readonly policy: ExternalActionsPolicy,
  ) {}

  /** The spend part of an audit event's safety block. */
  spendSnapshot(
    action: ExternalAction,
    day?: { day: string; spent: number; actions: number },
  ): SpendSnapshot {
    return {
      estimated_cents: action.estimatedSpendCents,
      reserved_cents: action.reservedSpendCents,
      actual_cents: action.actualSpendCents,
      ...(day ? { day: day.day, day_spent_cents: day.spent, day_actions: day.actions } : {}),
      ...this.switches.caps,
    };
  }

  safety(action: ExternalAction, day?: { day: string; spent: number; actions: number }) {
    return { killSwitches: this.switches.snapshot(), spend: this.spendSnapshot(action, day) };
  }

  async propose(
    dto: ProposeActionDto,
    idempotencyKey: string | undefined,
    principal: Principal,
    ctx: AuditContext,
  ): Promise<ProposeOutcome> {
    if (idempotencyKey === undefined || idempotencyKey === '') {
      throw new BadRequestException('The Idempotency-Key header is required');
    }
    if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new BadRequestException('Idempotency-Key must be 1 to 255 visible ASCII characters');
    }
    let payloadHash: string;
    try {
      payloadHash = payloadHashOf(dto.payload);
    } catch (error) {
      if (error instanceof CanonicalJsonError) throw bodyInvalid(['payload'], error.message);
      throw error;
    }
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
            throw new UnprocessableEntityException(
              'This Idempotency-Key was used with a different payload; use a new key for a new proposal',
            );
          }
          return { action: existing, created: false };
        }
        if (dto.run_id !== undefined) await this.assertRunVisible(manager, dto.run_id, principal);

        const now = new Date();
        const autoApproved = rule.tier !== 'C';
        const repository = manager.getRepository(ExternalAction);
        const action = repository.create({
          provider: dto.provider,
          action: dto.action,
          tier: rule.tier,
          classification: rule.classification,
          killSwitch: rule.killSwitch,
          approvalsRequired: rule.approvalsRequired,
          maxRetries: rule.maxRetries,
          status: autoApproved ? 'APPROVED' : 'PENDING',
          proposedBy: principal.id,
          proposedByKind: principal.kind,
          proposedByName: principal.name.slice(0, 200),
          proposerHumans: await this.humansBehind(manager, principal),
          idempotencyKey,
          payload: dto.payload,
          payloadHash,
          approvedPayloadHash: autoApproved ? payloadHash : null,
          summary: dto.summary,
          externalTarget: dto.external_target,
          estimatedSpendCents: dto.estimated_spend_cents,
          reservedSpendCents: 0,
          reservedDay: null,
          actualSpendCents: null,
          runId: dto.run_id ?? null,
          phaseId: dto.phase_id ?? null,
          approvals: autoApproved
            ? [
                {
                  by: 'policy',
                  name: `tier ${rule.tier} policy`,
                  at: now.toISOString(),
                  payload_hash: payloadHash,
                },
              ]
            : [],
          approvedAt: autoApproved ? now : null,
          approvalExpiresAt: autoApproved ? this.approvalExpiry(now) : null,
          decidedBy: autoApproved ? 'policy' : null,
          decisionReason: autoApproved ? `tier ${rule.tier}: approved by policy` : null,
          attemptCount: 0,
        });
        const saved = await repository.save(action);
        await this.audit.record(
          manager,
          actionAuditEvent(ctx, 'action.proposed', saved, this.safety(saved), {
            decision: autoApproved ? 'approved_by_policy' : 'pending_human_approval',
          }),
        );
        if (autoApproved) {
          await this.audit.record(
            manager,
            actionAuditEvent(
              { actor: { kind: 'system', id: 'system:policy', name: 'policy' }, requestId: ctx.requestId },
              'action.approved',
              saved,
              this.safety(saved),
              { decision: 'approved_by_policy' },
            ),
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
      const action = await this.lockForReview(manager, id, dto, principal);
      if (action.proposedBy === principal.id || action.proposerHumans.includes(principal.id)) {
        throw new ForbiddenException('The proposer (or the human behind the proposing key) cannot approve');
      }
      const now = new Date();
      // An approval older than the approval lifetime no longer counts towards a two-person decision.
      const fresh = action.approvals.filter(
        (approval) =>
          new Date(approval.at).getTime() + this.config.actionApprovalTtlSeconds * 1000 > now.getTime(),
      );
      if (fresh.some((approval) => approval.by === principal.id)) {
        throw new ConflictException(
          'You have already approved this action; it needs a different second approver',
        );
      }
      action.approvals = [
        ...fresh,
        { by: principal.id, name: principal.name, at: now.toISOString(), payload_hash: action.payloadHash },
      ];
      const complete = action.approvals.length >= action.approvalsRequired;
      if (complete) {
        action.status = 'APPROVED';
        action.approvedPayloadHash = action.payloadHash;
        action.approvedAt = now;
        action.approvalExpiresAt = this.approvalExpiry(now);
        action.decidedBy = principal.id;
        action.decisionReason = dto.reason ?? null;
      }
      const saved = await manager.getRepository(ExternalAction).save(action);
      await this.audit.record(
        manager,
        actionAuditEvent(
          ctx,
          complete ? 'action.approved' : 'action.approval_recorded',
          saved,
          this.safety(saved),
          {
            reviewed_payload_hash: dto.payload_hash,
            approvals: saved.approvals.length,
            approvals_required: saved.approvalsRequired,
            reason: dto.reason ?? null,
          },
        ),
      );
      return saved;
    });
  }

  async reject(
    id: string,
    dto: ReviewActionDto,
    principal: Principal,
    ctx: AuditContext,
  ): Promise<ExternalAction> {
    return this.dataSource.transaction(async (manager) => {
      const action = await this.lockForReview(manager, id, dto, principal);
      action.status = 'REJECTED';
      action.decidedBy = principal.id;
      action.decisionReason = dto.reason ?? null;
      const saved = await manager.getRepository(ExternalAction).save(action);
      await this.audit.record(
        manager,
        actionAuditEvent(ctx, 'action.rejected', saved, this.safety(saved), {
          reviewed_payload_hash: dto.payload_hash,
          reason: dto.reason ?? null,
        }),
      );
      return saved;
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
      if (!CANCELLABLE.includes(action.status)) {
        throw new ConflictException(
          `An action in status ${action.status} cannot be cancelled (only ${CANCELLABLE.join(', ')})`,
        );
      }
      action.status = 'CANCELLED';
      action.decidedBy = principal.id;
      action.decisionReason = dto.reason;
      const saved = await manager.getRepository(ExternalAction).save(action);
      await this.audit.record(
        manager,
        actionAuditEvent(ctx, 'action.cancelled', saved, this.safety(saved), {
          reason: dto.reason,
          by: asProposer ? 'proposer' : 'operator',
        }),
      );
      return saved;
    });
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
      const day = await settleSpend(manager, action, dto.actual_spend_cents);
      action.status = dto.result_status === 'success' ? 'COMPLETED' : 'FAILED';
      action.resultStatus = dto.result_status;
      action.externalObjectId = dto.external_object_id ?? null;
      action.errorCode = dto.error_code ?? null;
      action.errorSummary = dto.error_summary ?? null;
      action.completedAt = new Date();
      action.leaseExpiresAt = null;
      const saved = await manager.getRepository(ExternalAction).save(action);
      await this.audit.record(
        manager,
        actionAuditEvent(ctx, 'action.reconciled', saved, this.safety(saved, day), {
          reason: dto.reason,
          reconciled_by: principal.id,
        }),
      );
      return saved;
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
    principal: Principal,
  ): Promise<ExternalAction> {
    if (principal.kind !== 'user') throw new ForbiddenException('Only humans review external actions');
    const action = await lockAction(manager, id, null);
    if (action.status !== 'PENDING') {
      throw new ConflictException(`The action is ${action.status}, not PENDING: there is nothing to decide`);
    }
    if (dto.payload_hash !== action.payloadHash) {
      throw new ConflictException({
        message: "payload_hash is not the hash of this action's payload: review the current payload again",
        reason: 'hash_mismatch',
      });
    }
    return action;
  }

  /** The humans behind a principal: a user is itself; a stored key's owner and minting admin (if humans). */
  private async humansBehind(manager: EntityManager, principal: Principal): Promise<string[]> {
    if (principal.kind === 'user') return [principal.id];
    if (principal.kind !== 'api_key' || !principal.id.startsWith('apikey:')) return [];
    const keyId = principal.id.slice('apikey:'.length);
    if (apiKeyPrincipalId(keyId) === 'apikey:instance') return [];
    const key = await manager.getRepository(ApiKeyRecord).findOneBy({ id: keyId });
    if (!key) return [];
    return [...new Set([key.owner, key.createdBy].filter((id) => id.startsWith('user:')))];
  }

  private async assertRunVisible(manager: EntityManager, runId: string, principal: Principal): Promise<void> {
    const owner = ownerFilterFor(principal);
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM runs WHERE id = $1 AND ($2::varchar IS NULL OR owner_principal_id = $2)`,
      [runId, owner],
    );
    if (rows.length === 0) throw bodyInvalid(['run_id'], `names no run of yours ("${runId}")`);
  }
}

function inFlight(): ConflictException {
  return new ConflictException(
    'A request with this Idempotency-Key is still being processed; retry after it has finished',
  );
}

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

/**
 * Replaces the action's reservation by its actual spend in the day's counters (the day it was reserved
 * on). Returns the day's counters afterwards, for the audit event.
 */
export async function settleSpend(
  manager: EntityManager,
  action: ExternalAction,
  actualCents: number,
): Promise<{ day: string; spent: number; actions: number } | undefined> {
  let day: { day: string; spent: number; actions: number } | undefined;
  if (action.reservedDay !== null) {
    const row = returnedRows<{ day: string; spent_cents: string; actions: number }>(
      await manager.query(
        `UPDATE external_action_daily_usage SET spent_cents = spent_cents - $2 + $3 WHERE day = $1
         RETURNING day::text AS day, spent_cents, actions`,
        [action.reservedDay, action.reservedSpendCents, actualCents],
      ),
    )[0];
    if (row) day = { day: row.day, spent: Number(row.spent_cents), actions: row.actions };
  }
  action.actualSpendCents = actualCents;
  action.reservedSpendCents = 0;
  return day;
}

/** The rows of an `UPDATE … RETURNING` (TypeORM answers `[rows, affected]` for UPDATE on PostgreSQL). */
export function returnedRows<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
