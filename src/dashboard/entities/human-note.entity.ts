import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A note an operator leaves on the dashboard (optionally about one run), attributed to them. */
@Entity({ name: 'human_notes' })
export class HumanNote {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'run_id', type: 'varchar', length: 255, nullable: true })
  runId: string | null;

  @Column({ type: 'text' })
  note: string;

  @Column({ name: 'author_id', type: 'varchar', length: 80 })
  authorId: string;

  @Column({ name: 'author_name', type: 'varchar', length: 100 })
  authorName: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
