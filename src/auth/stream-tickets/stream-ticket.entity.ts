import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Principal } from '../principal';

/**
 * A single-use, short-lived stream ticket (docs/EVENTS.md, "Stream auth"). Only its SHA-256 is kept; it
 * is deleted when used. In PostgreSQL, not in memory, so a ticket minted on one replica opens a stream
 * on another.
 */
@Entity({ name: 'stream_tickets' })
export class StreamTicket {
  @PrimaryColumn({ name: 'ticket_hash', type: 'char', length: 64 })
  ticketHash: string;

  /** The principal the ticket was minted for, as it was then. */
  @Column({ type: 'jsonb' })
  principal: Principal;

  @Index('IDX_stream_tickets_expires_at')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
