import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { ApprovalStatus } from './approval-request.entity';
import type { PathVerdict } from '../path-policy';

/** An executor's request to change paths, decided per path by the policy and, where needed, a human. */
@Entity({ name: 'governance_requests' })
@Index(['status', 'expiresAt'])
export class GovernanceRequest {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'run_id', type: 'varchar', length: 255 })
  runId: string;

  @Column({ name: 'phase_id', type: 'varchar', length: 255 })
  phaseId: string;

  @Column({ type: 'text' })
  reason: string;

  /** Every requested path with its normalized form, the decision and the rule that made it. */
  @Column({ type: 'jsonb' })
  verdicts: PathVerdict[];

  @Column({ type: 'varchar', length: 16 })
  status: ApprovalStatus;

  @Index()
  @Column({ name: 'requested_by', type: 'varchar', length: 80 })
  requestedBy: string;

  @CreateDateColumn({ name: 'requested_at', type: 'timestamptz' })
  requestedAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  /** A human principal id, or `policy:governance-policy` for an automatic approval. */
  @Column({ name: 'decided_by', type: 'varchar', length: 80, nullable: true })
  decidedBy: string | null;

  @Column({ name: 'decided_by_name', type: 'varchar', length: 100, nullable: true })
  decidedByName: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @Column({ name: 'decision_comment', type: 'text', nullable: true })
  decisionComment: string | null;
}
