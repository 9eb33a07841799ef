import { Column, CreateDateColumn, Entity, Index, UpdateDateColumn } from 'typeorm';
import type { IssueSeverity } from '../run-states';
import { PhaseOwned } from './phase-owned';

/** An issue seen in a phase. Recording the same `issue_key` again counts another occurrence. */
@Entity({ name: 'phase_issues' })
@Index('UQ_phase_issues_phase_key', ['phaseUuid', 'issueKey'], { unique: true })
@Index('IDX_phase_issues_run', ['runId'])
@Index('IDX_phase_issues_key', ['issueKey'])
export class PhaseIssue extends PhaseOwned {
  @Column({ name: 'tier_id', type: 'varchar', length: 255 })
  tierId: string;

  @Column({ name: 'issue_key', type: 'varchar', length: 255 })
  issueKey: string;

  @Column({ type: 'varchar', length: 16 })
  severity: IssueSeverity;

  @Column({ type: 'varchar', length: 255 })
  category: string;

  @Column({ type: 'text' })
  description: string;

  @Column({ name: 'evidence_refs', type: 'jsonb' })
  evidenceRefs: string[];

  @Column({ name: 'occurrence_count', type: 'integer', default: 1 })
  occurrenceCount: number;

  @CreateDateColumn({ name: 'first_seen_at', type: 'timestamptz' })
  firstSeenAt: Date;

  @UpdateDateColumn({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt: Date;
}
