import { Column, Entity, Index } from 'typeorm';
import { HumanDecidedRequest } from './human-decided-request';

export { APPROVAL_STATUSES } from './human-decided-request';
export type { ApprovalStatus } from './human-decided-request';

/** An executor's request for a go-ahead (the legacy approval flow), decided only by a human. */
@Entity({ name: 'approval_requests' })
@Index(['status', 'expiresAt'])
export class ApprovalRequest extends HumanDecidedRequest {
  @Column({ type: 'varchar', length: 255 })
  context: string;

  @Column({ name: 'decision_info', type: 'jsonb' })
  decisionInfo: Record<string, unknown>;

  @Column({ name: 'deletion_info', type: 'jsonb', nullable: true })
  deletionInfo: Record<string, unknown> | null;
}
