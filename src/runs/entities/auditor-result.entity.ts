import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { BIGINT_AS_NUMBER } from '../../database/column-transformers';
import { RunPhase } from './run-phase.entity';

/** One auditor review of a phase, as the executor sent it. */
@Entity({ name: 'auditor_results' })
@Index('IDX_auditor_results_phase', ['phaseUuid', 'createdAt'])
export class AuditorResult {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'run_id', type: 'varchar', length: 255 })
  runId: string;

  @Column({ name: 'phase_uuid', type: 'uuid' })
  phaseUuid: string;

  @ManyToOne(() => RunPhase, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'phase_uuid' })
  phase?: RunPhase;

  @Column({ name: 'phase_id', type: 'varchar', length: 255 })
  phaseId: string;

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
