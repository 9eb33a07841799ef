import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from './user.entity';

/**
 * One-time set-password tokens (an admin creates a user without a password, or resets one), by SHA-256
 * only. A token is used once (`used_at`) and expires (`AUTOPACK_SET_PASSWORD_TOKEN_HOURS`); issuing a new
 * one for a user, or any password change, uses up the ones still open.
 */
@Entity({ name: 'auth_password_tokens' })
export class PasswordToken {
  /** Hex SHA-256 of the whole token. */
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Index('IDX_auth_password_tokens_user')
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;
}
