import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { ApiScope } from '../principal';

/**
 * A stored machine key. Only the SHA-256 of the secret is kept (the secret has 256 bits of entropy, so
 * a fast hash suffices); `prefix` is the visible, non-secret part used to find the row.
 */
@Entity({ name: 'api_keys' })
export class ApiKeyRecord {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** `apk_<12 hex>`: shown in lists and logs so a key can be recognised without its secret. */
  @Index('UQ_api_keys_prefix', { unique: true })
  @Column({ type: 'varchar', length: 32 })
  prefix: string;

  /** SHA-256 of the whole key, hex. */
  @Column({ name: 'secret_hash', type: 'varchar', length: 64 })
  secretHash: string;

  @Column({ type: 'text', array: true })
  scopes: ApiScope[];

  /** Principal id of whom the key acts for (ownership of what it creates). */
  @Column({ type: 'varchar', length: 80 })
  owner: string;

  /** Principal id of the admin who minted it. */
  @Column({ name: 'created_by', type: 'varchar', length: 80 })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_by', type: 'varchar', length: 80, nullable: true })
  revokedBy: string | null;
}

export const apiKeyPrincipalId = (keyId: string) => `apikey:${keyId}`;

export type ApiKeyStatus = 'active' | 'expired' | 'revoked';

export function apiKeyStatus(key: ApiKeyRecord, now = new Date()): ApiKeyStatus {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired';
  return 'active';
}
