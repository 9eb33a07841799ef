import { Column, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { RunPhase } from './run-phase.entity';

/**
 * The columns of every row that belongs to one phase (builder and auditor results, issues): the run id
 * and the executor's phase id for reads, the phase row's uuid for the foreign key (deleted with it).
 */
export abstract class PhaseOwned {
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
}
