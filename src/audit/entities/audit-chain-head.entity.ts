import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The single row (id 1) naming the last link of the audit chain. Every append locks it
 * (`SELECT … FOR UPDATE`), which serialises appenders across connections and processes, and moves it
 * forward in the same transaction; verification compares it with the last event, so a deleted tail
 * shows up too.
 */
@Entity({ name: 'audit_chain_head' })
export class AuditChainHead {
  @PrimaryColumn({ type: 'smallint' })
  id: number;

  /** 0 while the chain is empty. */
  @Column({ type: 'bigint' })
  position: string;

  @Column({ type: 'char', length: 64 })
  hash: string;
}
