import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { RunState } from '../run-states';
import { BIGINT_AS_NUMBER } from '../../database/column-transformers';

/** One executor run. Its id is the executor's own `run_id` (wire compatibility). */
@Entity({ name: 'runs' })
// Newest first, ties broken by id: the order of GET /runs, served by this index.
@Index('IDX_runs_created_at_id', ['createdAt', 'id'])
@Index('IDX_runs_owner_created_at', ['ownerPrincipalId', 'createdAt'])
export class Run {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  id: string;

  /** `Principal.id` of whoever started the run (`apikey:instance`, `apikey:<uuid>`, `user:<uuid>`). */
  @Column({ name: 'owner_principal_id', type: 'varchar', length: 160 })
  ownerPrincipalId: string;

  @Index('IDX_runs_state')
  @Column({ type: 'varchar', length: 48 })
  state: RunState;

  @Column({ name: 'safety_profile', type: 'varchar', length: 32 })
  safetyProfile: string;

  @Column({ name: 'run_scope', type: 'varchar', length: 32 })
  runScope: string;

  @Column({ name: 'token_cap', type: 'bigint', transformer: BIGINT_AS_NUMBER })
  tokenCap: number;

  @Column({ name: 'max_phases', type: 'integer' })
  maxPhases: number;

  @Column({ name: 'max_duration_minutes', type: 'integer' })
  maxDurationMinutes: number;

  @Column({ name: 'tokens_used', type: 'bigint', default: 0, transformer: BIGINT_AS_NUMBER })
  tokensUsed: number;

  @Column({ name: 'ci_runs_used', type: 'integer', default: 0 })
  ciRunsUsed: number;

  @Column({ name: 'minor_issues_count', type: 'integer', default: 0 })
  minorIssuesCount: number;

  @Column({ name: 'major_issues_count', type: 'integer', default: 0 })
  majorIssuesCount: number;

  @Column({ name: 'promotion_eligible_to_main', type: 'boolean', default: false })
  promotionEligibleToMain: boolean;

  @Column({ name: 'debt_status', type: 'varchar', length: 64, nullable: true })
  debtStatus: string | null;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason: string | null;

  /** SHA-256 of the normalised start request: an identical retry is recognised, a different one refused. */
  @Column({ name: 'start_request_sha256', type: 'char', length: 64 })
  startRequestSha256: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  /** `Principal.id` of the operator who cancelled the run (`POST /runs/{run_id}/cancel`). */
  @Column({ name: 'cancelled_by', type: 'varchar', length: 160, nullable: true })
  cancelledBy: string | null;

  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt: Date | null;

  @Column({ name: 'cancel_reason', type: 'text', nullable: true })
  cancelReason: string | null;
}
