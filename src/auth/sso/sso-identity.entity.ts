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

/**
 * The link between an Autopack user and an account at the OpenID Provider: the provider's `iss` and `sub`,
 * the only pair OpenID Connect guarantees stable and unique. Never an email: an email can be reassigned or
 * unverified, so linking by it would hand one person's account to another.
 */
@Entity({ name: 'auth_sso_identities' })
@Index('UQ_auth_sso_identities_issuer_subject', ['issuer', 'subject'], { unique: true })
export class SsoIdentity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('IDX_auth_sso_identities_user')
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ type: 'varchar', length: 500 })
  issuer: string;

  /** The provider's `sub` (at most 255 ASCII characters by the OpenID Connect spec). */
  @Column({ type: 'varchar', length: 255 })
  subject: string;

  /** The email claim at the last sign-in, for admins to recognise the account; never used to link. */
  @Column({ type: 'varchar', length: 320, nullable: true })
  email: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_sign_in_at', type: 'timestamptz' })
  lastSignInAt: Date;
}
