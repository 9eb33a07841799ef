import { Column, CreateDateColumn, Entity, Index } from 'typeorm';
import { BIGINT_AS_NUMBER } from '../../database/column-transformers';
import { PhaseOwned } from './phase-owned';

/** One builder attempt's report for a phase, as the executor sent it. */
@Entity({ name: 'builder_results' })
@Index('IDX_builder_results_phase', ['phaseUuid', 'createdAt'])
export class BuilderResult extends PhaseOwned {
  @Column({ type: 'varchar', length: 16 })
  status: string;

  @Column({ name: 'run_type', type: 'varchar', length: 64 })
  runType: string;

  @Column({ name: 'allowed_paths', type: 'jsonb' })
  allowedPaths: string[];

  @Column({ name: 'patch_content', type: 'text', nullable: true })
  patchContent: string | null;

  @Column({ name: 'files_changed', type: 'jsonb' })
  filesChanged: string[];

  @Column({ name: 'lines_added', type: 'integer' })
  linesAdded: number;

  @Column({ name: 'lines_removed', type: 'integer' })
  linesRemoved: number;

  @Column({ name: 'builder_attempts', type: 'integer' })
  builderAttempts: number;

  @Column({ name: 'tokens_used', type: 'bigint', transformer: BIGINT_AS_NUMBER })
  tokensUsed: number;

  @Column({ name: 'duration_minutes', type: 'double precision' })
  durationMinutes: number;

  @Column({ name: 'probe_results', type: 'jsonb' })
  probeResults: Array<Record<string, unknown>>;

  @Column({ name: 'suggested_issues', type: 'jsonb' })
  suggestedIssues: Array<Record<string, unknown>>;

  @Column({ type: 'text' })
  notes: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
