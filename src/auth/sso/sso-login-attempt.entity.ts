import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One SSO sign-in in flight, between the redirect to the provider and its callback: the `state`, `nonce`
 * and PKCE `code_verifier` the callback must match. Kept server-side (all replicas share it) under the
 * SHA-256 of a random handle that only the browser holds, in an HttpOnly cookie: the callback must come
 * from the browser that started the sign-in. The callback deletes the row whatever the outcome (single
 * use); rows older than their `expires_at` are pruned when new sign-ins start.
 */
@Entity({ name: 'auth_sso_login_attempts' })
export class SsoLoginAttempt {
  /** Hex SHA-256 of the browser's handle. */
  @PrimaryColumn({ name: 'handle_hash', type: 'varchar', length: 64 })
  handleHash: string;

  @Column({ type: 'varchar', length: 64 })
  state: string;

  @Column({ type: 'varchar', length: 64 })
  nonce: string;

  @Column({ name: 'code_verifier', type: 'varchar', length: 128 })
  codeVerifier: string;

  /** Where the console wanted to land after sign-in, already checked (a `/console/` path). */
  @Column({ name: 'return_to', type: 'varchar', length: 512 })
  returnTo: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Index('IDX_auth_sso_login_attempts_expires')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
