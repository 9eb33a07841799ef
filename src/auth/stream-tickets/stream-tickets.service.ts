import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Principal } from '../principal';

/** How long a ticket may wait for its one use. */
export const STREAM_TICKET_TTL_SECONDS = 60;
const TICKET = /^st_[A-Za-z0-9_-]{43}$/;
const hash = (ticket: string) => createHash('sha256').update(ticket, 'utf8').digest('hex');

/**
 * Stream tickets: a browser's EventSource cannot send `Authorization`, and a long-lived secret in a URL
 * ends up in histories and proxy logs. So a signed-in console asks for a ticket (with its bearer token)
 * and opens the stream with `?ticket=`: valid 60 s, one use, bound to the principal that asked.
 */
@Injectable()
export class StreamTicketsService {
  constructor(private readonly dataSource: DataSource) {}

  async mint(principal: Principal): Promise<{ ticket: string; expiresAt: Date }> {
    const ticket = `st_${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(Date.now() + STREAM_TICKET_TTL_SECONDS * 1000);
    const snapshot: Principal = {
      kind: principal.kind,
      id: principal.id,
      name: principal.name,
      scopes: [...principal.scopes],
      isAdmin: principal.isAdmin,
      ...(principal.role ? { role: principal.role } : {}),
    };
    // Expired tickets of anyone are swept on the way (they are never usable anyway).
    await this.dataSource.query(
      `WITH swept AS (DELETE FROM stream_tickets WHERE expires_at < now())
       INSERT INTO stream_tickets (ticket_hash, principal, expires_at) VALUES ($1, $2::jsonb, $3)`,
      [hash(ticket), JSON.stringify(snapshot), expiresAt],
    );
    return { ticket, expiresAt };
  }

  /** The ticket's principal, once: the row is deleted whether or not it was still valid. */
  async redeem(ticket: string): Promise<Principal | null> {
    if (!TICKET.test(ticket)) return null;
    const [rows]: [Array<{ principal: Principal; valid: boolean }>, number] = await this.dataSource.query(
      `DELETE FROM stream_tickets WHERE ticket_hash = $1 RETURNING principal, expires_at > now() AS valid`,
      [hash(ticket)],
    );
    const row = rows[0];
    return row?.valid ? Object.freeze(row.principal) : null;
  }
}
