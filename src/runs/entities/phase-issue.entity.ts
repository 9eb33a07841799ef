import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { IssueSeverity } from '../run-states';
import { RunPhase } from './run-phase.entity';

/** An issue seen in a phase. Recording the same `issue_key` again counts another occurrence. */
@Entity({ name: 'phase_issues' })
@Index('UQ_phase_issues_phase_key', ['phaseUuid', 'issueKey'], { unique: true })
@Index('IDX_phase_issues_run', ['runId'])
@Index('IDX_phase_issues_key', ['issueKey'])
export class PhaseIssue {
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
