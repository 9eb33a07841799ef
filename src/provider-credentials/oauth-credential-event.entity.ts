import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const CREDENTIAL_EVENTS = [
  'stored',
  'rotated',
  'refreshed',
  'refresh_failed',
  'reset',
  'revoked',
] as const;
export type CredentialEventType = (typeof CREDENTIAL_EVENTS)[number];

/** The lifecycle of a provider's credentials. `detail` names fields and outcomes, never secret values. */
@Entity({ name: 'oauth_credential_events' })
@Index('IDX_oauth_credential_events_created_at', ['createdAt'])
export class OAuthCredentialEvent {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 32 })
  provider: string;

  @Column({ type: 'varchar', length: 24 })
  event: CredentialEventType;

  /** Principal id of who caused it. */
  @Column({ type: 'varchar', length: 80 })
  actor: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  detail: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
