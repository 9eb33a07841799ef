import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { BIGINT_AS_NUMBER } from '../database/column-transformers';
import type { ActionTier } from './external-actions-policy';

export const ACTION_STATUSES = [
  'PENDING',
  'APPROVED',
  'REJECTED',
  'EXECUTING',
  'COMPLETED',
  'FAILED',
  'OUTCOME_UNKNOWN',
  'DRY_RUN',
  'CANCELLED',
  'EXPIRED',
] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/** One human approval of an action, bound to the payload hash that human reviewed. */
export interface ActionApproval {
  by: string;
  name: string;
  at: string;
  payload_hash: string;
}

/** One proposed external side effect and everything decided about it. */
@Entity({ name: 'external_actions' })
// Idempotency keys are scoped to the proposing principal; this constraint is the last word on duplicates.
@Unique('UQ_external_actions_principal_idempotency_key', ['proposedBy', 'idempotencyKey'])
@Index('IDX_external_actions_created_at_id', ['createdAt', 'id'])
@Index('IDX_external_actions_run_id', ['runId'])
@Index('IDX_external_actions_status', ['status'])
export class ExternalAction {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 64 })
  provider: string;

  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ type: 'char', length: 1 })
  tier: ActionTier;

  /** `policy`, or `unclassified` for a provider/action the policy does not know (never executable). */
  @Column({ type: 'varchar', length: 16 })
  classification: 'policy' | 'unclassified';

  /** The domain switch at proposal time; null for unclassified actions. */
  @Column({ name: 'kill_switch', type: 'varchar', length: 64, nullable: true })
  killSwitch: string | null;

  @Column({ name: 'approvals_required', type: 'smallint' })
  approvalsRequired: number;

  @Column({ name: 'max_retries', type: 'smallint' })
  maxRetries: number;

  @Column({ type: 'varchar', length: 24 })
  status: ActionStatus;

  /** `Principal.id` of the proposer. */
  @Column({ name: 'proposed_by', type: 'varchar', length: 160 })
  proposedBy: string;

  @Column({ name: 'proposed_by_kind', type: 'varchar', length: 16 })
  proposedByKind: string;

  @Column({ name: 'proposed_by_name', type: 'varchar', length: 200 })
  proposedByName: string;

  /** The humans behind the proposer (itself if a user; a stored key's owner and creator): never approvers. */
  @Column({ name: 'proposer_humans', type: 'text', array: true })
  proposerHumans: string[];

  @Column({ name: 'idempotency_key', type: 'varchar', length: 255 })
  idempotencyKey: string;

  @Column({ type: 'jsonb' })
  payload: object;

  /** sha256 (hex) of the RFC 8785 canonical JSON of `payload`. */
  @Column({ name: 'payload_hash', type: 'char', length: 64 })
  payloadHash: string;

  /** The hash the approval is bound to: set when the action becomes APPROVED. */
  @Column({ name: 'approved_payload_hash', type: 'char', length: 64, nullable: true })
  approvedPayloadHash: string | null;

  @Column({ type: 'varchar', length: 500 })
  summary: string;

  @Column({ name: 'external_target', type: 'varchar', length: 255 })
  externalTarget: string;

  @Column({ name: 'estimated_spend_cents', type: 'bigint', transformer: BIGINT_AS_NUMBER })
  estimatedSpendCents: number;

  /** Reserved against the daily caps by the current granted claim (0 when nothing is reserved). */
  @Column({ name: 'reserved_spend_cents', type: 'bigint', default: 0, transformer: BIGINT_AS_NUMBER })
  reservedSpendCents: number;

  /** The UTC day (YYYY-MM-DD) the current reservation counts against. */
  @Column({ name: 'reserved_day', type: 'date', nullable: true })
  reservedDay: string | null;

  @Column({
    name: 'actual_spend_cents',
    type: 'bigint',
    nullable: true,
    transformer: BIGINT_AS_NUMBER,
  })
  actualSpendCents: number | null;

  @Column({ name: 'run_id', type: 'varchar', length: 255, nullable: true })
  runId: string | null;

  @Column({ name: 'phase_id', type: 'varchar', length: 255, nullable: true })
  phaseId: string | null;

  /** Humans who approved (policy approvals of Tier A/B are recorded as `policy`). */
  @Column({ type: 'jsonb' })
  approvals: ActionApproval[];

  @Column({ name: 'approved_at', type: 'timestamptz', nullable: true })
  approvedAt: Date | null;

  @Column({ name: 'approval_expires_at', type: 'timestamptz', nullable: true })
  approvalExpiresAt: Date | null;

  @Column({ name: 'decided_by', type: 'varchar', length: 160, nullable: true })
  decidedBy: string | null;

  @Column({ name: 'decision_reason', type: 'varchar', length: 500, nullable: true })
  decisionReason: string | null;

  /** Claims granted so far (the first execution and each retry). */
  @Column({ name: 'attempt_count', type: 'smallint', default: 0 })
  attemptCount: number;

  @Column({ name: 'attempt_id', type: 'uuid', nullable: true })
  attemptId: string | null;

  @Column({ name: 'claimed_by', type: 'varchar', length: 160, nullable: true })
  claimedBy: string | null;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt: Date | null;

  /** `live` or `dry_run`: how the last granted claim was to be executed. */
  @Column({ name: 'execution_mode', type: 'varchar', length: 8, nullable: true })
  executionMode: 'live' | 'dry_run' | null;

  @Column({ name: 'external_object_id', type: 'varchar', length: 255, nullable: true })
  externalObjectId: string | null;

  @Column({ name: 'result_status', type: 'varchar', length: 16, nullable: true })
  resultStatus: 'success' | 'failure' | null;

  @Column({ name: 'error_code', type: 'varchar', length: 100, nullable: true })
  errorCode: string | null;

  @Column({ name: 'error_summary', type: 'varchar', length: 1000, nullable: true })
  errorSummary: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'executed_at', type: 'timestamptz', nullable: true })
  executedAt: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;
}

/**
 * Reserved spend and granted executions per UTC day, shared by every replica: a claim reserves with one
 * conditional UPDATE, so the caps hold however many processes claim at once.
 */
@Entity({ name: 'external_action_daily_usage' })
export class ExternalActionDailyUsage {
  @PrimaryColumn({ type: 'date' })
  day: string;

  @Column({ name: 'spent_cents', type: 'bigint', default: 0, transformer: BIGINT_AS_NUMBER })
  spentCents: number;

  @Column({ type: 'integer', default: 0 })
  actions: number;
}

export const EXTERNAL_ACTION_ENTITIES = [ExternalAction, ExternalActionDailyUsage];
