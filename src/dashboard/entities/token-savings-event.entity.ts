import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const SAVINGS_CATEGORIES = [
  'artifact_tokens_avoided',
  'doctor_tokens_avoided_estimate',
  'ab_delta',
] as const;
export type SavingsCategory = (typeof SAVINGS_CATEGORIES)[number];

/**
 * Tokens an executor reports as saved (or, for an A/B comparison, the signed difference), in exactly one
 * category. Spent tokens are not recorded here but as LLM usage events, so no token is counted twice.
 */
@Entity({ name: 'token_savings_events' })
// One run's events in keyset order (consolidated metrics); its leading run_id serves the per-run sums too.
@Index('IDX_token_savings_run_recorded_at_id', ['runId', 'recordedAt', 'id'])
export class TokenSavingsEvent {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'run_id', type: 'varchar', length: 255 })
  runId: string;

  @Column({ name: 'phase_id', type: 'varchar', length: 255, nullable: true })
  phaseId: string | null;

  @Column({ type: 'varchar', length: 40 })
  category: SavingsCategory;

  @Column({ type: 'integer' })
  tokens: number;

  @Column({ name: 'recorded_by', type: 'varchar', length: 80 })
  recordedBy: string;

  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt: Date;
}
