import { Column, Entity, Index } from 'typeorm';
import type { TierState } from '../run-states';
import { RunOwned } from './run-owned';

/** A tier of a run: an ordered group of phases. `tier_id` is the executor's name for it. */
@Entity({ name: 'run_tiers' })
@Index('UQ_run_tiers_run_tier', ['runId', 'tierId'], { unique: true })
export class RunTier extends RunOwned {
  @Column({ name: 'tier_id', type: 'varchar', length: 255 })
  tierId: string;

  @Column({ name: 'tier_index', type: 'integer' })
  tierIndex: number;

  @Column({ type: 'varchar', length: 500 })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'varchar', length: 16 })
  state: TierState;

  /** `clean` while no major issue was recorded in the tier, else `needs_cleanup`. */
  @Column({ type: 'varchar', length: 16, default: 'clean' })
  cleanliness: string;

  @Column({ name: 'minor_issues_count', type: 'integer', default: 0 })
  minorIssuesCount: number;

  @Column({ name: 'major_issues_count', type: 'integer', default: 0 })
  majorIssuesCount: number;
}
