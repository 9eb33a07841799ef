import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { User } from '../users/user.entity';

export const SESSION_METHODS = ['password', 'sso'] as const;
export type SessionMethod = (typeof SESSION_METHODS)[number];

/** Why a session ended early; see session-lifecycle.ts. */
export const SESSION_END_REASONS = [
  'logout',
  'revoked_by_user',
  'revoked_by_admin',
  'refresh_token_reused',
  'user_disabled',
  'role_changed',
  'password_changed',
  'password_reset',
] as const;
export type SessionEndReason = (typeof SESSION_END_REASONS)[number];

/**
 * One sign-in of a user (password or SSO): the family of its rotating refresh tokens. Access tokens name
 * it in their `sid` claim, so ending the session ends them too, at their next request.
 */
@Entity({ name: 'auth_sessions' })
@Index('IDX_auth_sessions_user_created', ['userId', 'createdAt'])
export class Session {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ type: 'varchar', length: 16 })
  method: SessionMethod;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** The last sign-in or refresh: the idle timeout counts from here. */
  @Column({ name: 'last_used_at', type: 'timestamptz' })
  lastUsedAt: Date;

  /** The absolute end, whatever the activity. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_reason', type: 'varchar', length: 32, nullable: true })
  revokedReason: SessionEndReason | null;

  /** As the client sent it at sign-in, cut to 256 characters: shown to the user to recognise a session. */
  @Column({ name: 'user_agent', type: 'varchar', length: 256, nullable: true })
  userAgent: string | null;

  /** The client address at sign-in or last refresh (honouring only trusted proxies). */
  @Column({ name: 'ip_address', type: 'varchar', length: 64, nullable: true })
  ipAddress: string | null;
}
