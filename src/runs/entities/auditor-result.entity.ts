import { Column, CreateDateColumn, Entity, Index } from 'typeorm';
import { BIGINT_AS_NUMBER } from '../../database/column-transformers';
import { PhaseOwned } from './phase-owned';

/** One auditor review of a phase, as the executor sent it. */
@Entity({ name: 'auditor_results' })
@Index('IDX_auditor_results_phase', ['phaseUuid', 'createdAt'])
export class AuditorResult extends PhaseOwned {
  @Column({ name: 'review_notes', type: 'text' })
  reviewNotes: string;

  @Column({ name: 'issues_found', type: 'jsonb' })
  issuesFound: Array<Record<string, unknown>>;

  @Column({ name: 'suggested_patches', type: 'jsonb' })
  suggestedPatches: Array<Record<string, unknown>>;

  @Column({ name: 'auditor_attempts', type: 'integer' })
  auditorAttempts: number;

  @Column({ name: 'tokens_used', type: 'bigint', transformer: BIGINT_AS_NUMBER })
  tokensUsed: number;

  @Column({ type: 'varchar', length: 16 })
  recommendation: string;

  @Column({ type: 'varchar', length: 16 })
  confidence: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
