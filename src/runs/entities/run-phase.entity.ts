import { Column, CreateDateColumn, Entity, Index, UpdateDateColumn } from 'typeorm';
import type { PhaseState } from '../run-states';
import { BIGINT_AS_NUMBER } from '../../database/column-transformers';
import { RunOwned } from './run-owned';

/** One phase of a run. `phase_id` is the executor's name for it, unique within the run. */
@Entity({ name: 'run_phases' })
// Also serves "all phases of a run" and the per-run phase counts of GET /runs.
@Index('UQ_run_phases_run_phase', ['runId', 'phaseId'], { unique: true })
export class RunPhase extends RunOwned {
  @Column({ name: 'phase_id', type: 'varchar', length: 255 })
  phaseId: string;

  /** The executor's `tier_id` of the tier this phase belongs to (checked against the run's tiers at start). */
  @Column({ name: 'tier_id', type: 'varchar', length: 255 })
  tierId: string;

  @Column({ name: 'phase_index', type: 'integer' })
  phaseIndex: number;

  @Column({ type: 'varchar', length: 500 })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'varchar', length: 16 })
  state: PhaseState;

  @Column({ name: 'task_category', type: 'varchar', length: 255, nullable: true })
  taskCategory: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  complexity: string | null;

  @Column({ name: 'builder_mode', type: 'varchar', length: 255, nullable: true })
  builderMode: string | null;

  @Column({ type: 'jsonb', nullable: true })
  scope: Record<string, unknown> | null;

  @Column({ name: 'intention_refs', type: 'jsonb', nullable: true })
  intentionRefs: Record<string, number[]> | null;

  @Column({ name: 'builder_attempts', type: 'integer', default: 0 })
  builderAttempts: number;

  /** 1 for the first attempt; each operator retry of the failed phase adds one. */
  @Column({ type: 'integer', default: 1 })
  attempt: number;

  /** What the phase counts against the budget: the larger of the two figures below. */
  @Column({ name: 'tokens_used', type: 'bigint', default: 0, transformer: BIGINT_AS_NUMBER })
  tokensUsed: number;

  /** Sum of `tokens_used` over the phase's builder and auditor results. */
  @Column({ name: 'result_tokens_used', type: 'bigint', default: 0, transformer: BIGINT_AS_NUMBER })
  resultTokensUsed: number;

  /** The executor's own running total from update_status (it already includes its results). */
  @Column({ name: 'reported_tokens_used', type: 'bigint', default: 0, transformer: BIGINT_AS_NUMBER })
  reportedTokensUsed: number;

  @Column({ name: 'minor_issues_count', type: 'integer', default: 0 })
  minorIssuesCount: number;

  @Column({ name: 'major_issues_count', type: 'integer', default: 0 })
  majorIssuesCount: number;

  @Column({ name: 'quality_level', type: 'varchar', length: 16, nullable: true })
  qualityLevel: string | null;

  @Column({ name: 'quality_blocked', type: 'boolean', default: false })
  qualityBlocked: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;
}
