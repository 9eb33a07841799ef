import { Column, Entity, Index } from 'typeorm';
import type { PathVerdict } from '../path-policy';
import { HumanDecidedRequest } from './human-decided-request';

/** An executor's request to change paths, decided per path by the policy and, where needed, a human. */
@Entity({ name: 'governance_requests' })
@Index(['status', 'expiresAt'])
export class GovernanceRequest extends HumanDecidedRequest {
  @Column({ type: 'text' })
  reason: string;

  /** Every requested path with its normalized form, the decision and the rule that made it. */
  @Column({ type: 'jsonb' })
  verdicts: PathVerdict[];
}
