import { Column, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Run } from './run.entity';

/** The columns of every row that belongs to a run (tiers, phases, error reports): deleted with the run. */
export abstract class RunOwned {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'run_id', type: 'varchar', length: 255 })
  runId: string;

  @ManyToOne(() => Run, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id' })
  run?: Run;
}
