import { Column, CreateDateColumn, Entity, Index } from 'typeorm';
import { RunOwned } from './run-owned';

/** An error an executor reported for a run. Message and context are redacted before they are stored. */
@Entity({ name: 'run_error_reports' })
@Index('IDX_run_error_reports_run_created', ['runId', 'createdAt'])
export class RunErrorReport extends RunOwned {
  @Column({ name: 'phase_id', type: 'varchar', length: 255, nullable: true })
  phaseId: string | null;

  @Column({ name: 'error_type', type: 'varchar', length: 255 })
  errorType: string;

  @Column({ type: 'text' })
  message: string;

  @Column({ type: 'jsonb' })
  context: Record<string, unknown>;

  /** How many secrets the redactor replaced (operators see that something was removed). */
  @Column({ name: 'redaction_count', type: 'integer', default: 0 })
  redactionCount: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
