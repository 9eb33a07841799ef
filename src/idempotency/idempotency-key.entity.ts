import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The stored outcome of one executor write made under an `Idempotency-Key`, scoped to the principal
 * that sent it. Written in the same transaction as the write it answers for, so a row exists exactly
 * when the write committed: there is no "in flight" row (an in-flight request holds the key's advisory
 * transaction lock instead) and no write without its row, whatever crashes in between.
 */
@Entity({ name: 'idempotency_keys' })
export class IdempotencyKeyRecord {
  /** `Principal.id` of the sender: the same key from another principal is another key. */
  @PrimaryColumn({ name: 'principal_id', type: 'varchar', length: 160 })
  principalId: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  key: string;

  /** `POST /runs/r1/phases/p1/builder_result`: what the key was first used for (read by operators). */
  @Column({ type: 'varchar', length: 2048 })
  request: string;

  /** sha256 of the RFC 8785 canonical JSON of method, path and body: a reuse with anything else is a 422. */
  @Column({ name: 'request_sha256', type: 'char', length: 64 })
  requestSha256: string;

  @Column({ name: 'response_status', type: 'integer' })
  responseStatus: number;

  @Column({ name: 'response_body', type: 'jsonb' })
  responseBody: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Index('IDX_idempotency_keys_expires_at')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
