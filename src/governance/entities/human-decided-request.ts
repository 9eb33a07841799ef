import { Column, CreateDateColumn, Index, PrimaryGeneratedColumn } from 'typeorm';

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'timeout'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/**
 * The columns every request that waits for a human decision has: who asked about which run and phase,
 * its status and expiry, and who decided when and why. Approval requests and governance requests extend
 * it, each in its own table.
 */
export abstract class HumanDecidedRequest {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'run_id', type: 'varchar', length: 255 })
  runId: string;

  @Column({ name: 'phase_id', type: 'varchar', length: 255 })
  phaseId: string;

  @Column({ type: 'varchar', length: 16 })
  status: ApprovalStatus;

  /** Principal id of the requester (`apikey:<uuid>`, `apikey:instance`). */
  @Index()
  @Column({ name: 'requested_by', type: 'varchar', length: 80 })
  requestedBy: string;

  @CreateDateColumn({ name: 'requested_at', type: 'timestamptz' })
  requestedAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  /** Principal id of the human who decided, or `policy:<name>` for an automatic approval. */
  @Column({ name: 'decided_by', type: 'varchar', length: 80, nullable: true })
  decidedBy: string | null;

  @Column({ name: 'decided_by_name', type: 'varchar', length: 100, nullable: true })
  decidedByName: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @Column({ name: 'decision_comment', type: 'text', nullable: true })
  decisionComment: string | null;
}
