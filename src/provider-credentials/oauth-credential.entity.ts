import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Stored states; `expiring` and `expired` are derived from `expires_at` when read. */
export type StoredCredentialStatus = 'valid' | 'refresh_pending' | 'refresh_failed' | 'revoked';

/**
 * One provider's OAuth client and tokens. Every secret column holds AES-256-GCM ciphertext (see
 * CredentialCipher); the `*_hint` columns hold the last four characters at most.
 */
@Entity({ name: 'oauth_credentials' })
export class OAuthCredential {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  provider: string;

  /** Not a secret: OAuth client ids are sent in the clear in every authorisation URL. */
  @Column({ name: 'client_id', type: 'varchar', length: 512 })
  clientId: string;

  @Column({ name: 'client_secret_enc', type: 'bytea', nullable: true })
  clientSecretEnc: Buffer | null;

  @Column({ name: 'client_secret_hint', type: 'varchar', length: 16, nullable: true })
  clientSecretHint: string | null;

  @Column({ name: 'access_token_enc', type: 'bytea', nullable: true })
  accessTokenEnc: Buffer | null;

  @Column({ name: 'access_token_hint', type: 'varchar', length: 16, nullable: true })
  accessTokenHint: string | null;

  @Column({ name: 'refresh_token_enc', type: 'bytea', nullable: true })
  refreshTokenEnc: Buffer | null;

  @Column({ name: 'refresh_token_hint', type: 'varchar', length: 16, nullable: true })
  refreshTokenHint: string | null;

  @Column({ name: 'token_url', type: 'varchar', length: 2048 })
  tokenUrl: string;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'varchar', length: 24 })
  status: StoredCredentialStatus;

  /** Failed refreshes since the last success or reset. */
  @Column({ name: 'consecutive_failures', type: 'integer', default: 0 })
  consecutiveFailures: number;

  @Column({ name: 'total_failures', type: 'integer', default: 0 })
  totalFailures: number;

  /** An OAuth error code or a short transport reason; never a response body. */
  @Column({ name: 'last_error', type: 'varchar', length: 100, nullable: true })
  lastError: string | null;

  @Column({ name: 'last_refreshed_at', type: 'timestamptz', nullable: true })
  lastRefreshedAt: Date | null;

  @Column({ name: 'last_failure_at', type: 'timestamptz', nullable: true })
  lastFailureAt: Date | null;

  /** When the running refresh began; a refresh older than a minute is considered abandoned. */
  @Column({ name: 'refresh_started_at', type: 'timestamptz', nullable: true })
  refreshStartedAt: Date | null;

  @Column({ name: 'updated_by', type: 'varchar', length: 80 })
  updatedBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
