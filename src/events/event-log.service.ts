import { BadRequestException, GoneException, Injectable, OnModuleInit } from '@nestjs/common';
import { ExpiryScheduler } from '../approvals/expiry-scheduler';
import type { OverdueSweep } from '../approvals/expiry-scheduler';
import { AppConfig } from '../config/app-config';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { ownerFilterFor } from '../access/visibility';
import type { Principal } from '../auth/principal';
import { redactJson, redactString } from '../redaction/redactor';
import type { JsonValue } from '../redaction/redactor';
import { comparePositions, decodeEventCursor, encodeEventCursor } from './event-cursor';
import type { EventPosition } from './event-cursor';
import { EVENT_TYPES } from './event-types';
import type { EventSubjectType, EventType } from './event-types';

/** The channel every replica LISTENs on; a notification carries only the committing transaction's id. */
export const EVENTS_CHANNEL = 'autopack_events';
export const SUMMARY_MAX = 500;
const PRUNE_BATCH = 10_000;

/** One event as a module describes it, inside the transaction of the change it reports. */
export interface EventInput {
  type: EventType;
  subject: { type: EventSubjectType; id: string };
  runId?: string | null;
  /** The principal the visibility rule applies to: the owner of the run, request or action. */
  owner: string;
  /** One line a human reads in a chat message; redacted, cut to 500 characters. */
  summary: string;
  /** A few ids and states (never a payload); redacted. */
  data?: Record<string, unknown>;
}

/** An event as every reader (page, stream, webhook) shows it. */
export interface EventView {
  cursor: string;
  type: EventType;
  subject: { type: EventSubjectType; id: string };
  run_id: string | null;
  owner: string;
  summary: string;
  data: Record<string, unknown>;
  created_at: string;
}

export interface EventFilter {
  types?: readonly EventType[];
  runId?: string;
}

export interface EventPage {
  events: EventView[];
  /** Resume here: past every settled event considered (filtered or not), never past an unsettled one. */
  next: EventPosition;
  /** A full page: more settled events follow at once. */
  hasMore: boolean;
  /**
   * Committed events exist after the cursor that are not settled yet (an older transaction is still in
   * flight): read again shortly.
   */
  heldBack: boolean;
}

/** A programming error in how an event was described; it fails the caller's transaction. */
export class EventAppendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventAppendError';
  }
}

const START: EventPosition = { txId: 0, id: 0 };

interface PageRow {
  frontier_tx: string | null;
  frontier_id: string | null;
  held: boolean;
  id: string | null;
  tx_id: string | null;
  type: EventType;
  subject_type: EventSubjectType;
  subject_id: string;
  run_id: string | null;
  owner_principal_id: string;
  summary: string;
  data: Record<string, unknown>;
  created_at: Date;
}

/**
 * The event log: the one writer (`append`, inside the caller's transaction) and the one reader (`page`)
 * that the JSON page, the streams, the long poll and the webhooks all use.
 *
 * Never skipping: a position is `(tx_id, id)`, and `page` returns only events of transactions older than
 * the oldest transaction still in flight (`pg_snapshot_xmin`). Those have all ended, so every event that
 * commits later belongs to a transaction with a larger id and sorts after everything already returned.
 */
@Injectable()
export class EventLogService implements OnModuleInit, OverdueSweep {
  readonly kind = 'events' as const;

  constructor(
    private readonly dataSource: DataSource,
    private readonly scheduler: ExpiryScheduler,
    private readonly config: AppConfig,
  ) {}

  /** Retention runs on the one background mechanism: the expiry scheduler's interval. */
  onModuleInit(): void {
    this.scheduler.register(this);
  }

  /** The scheduler's sweep: prune what is past the retention. */
  expireOverdue(manager: EntityManager): Promise<number> {
    return this.prune(manager, new Date(Date.now() - this.config.eventsRetentionDays * 24 * 3600_000));
  }

  /**
   * Appends an event in the caller's transaction (refused outside one: an event without its change, or a
   * change without its event, must not exist) and notifies every replica at commit.
   */
  async append(manager: EntityManager, event: EventInput): Promise<void> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new EventAppendError(
        'EventLogService.append needs the EntityManager of an open transaction (dataSource.transaction(manager => …))',
      );
    }
    if (!Object.hasOwn(EVENT_TYPES, event.type)) {
      throw new EventAppendError(`"${String(event.type)}" is not an event type`);
    }
    const summary = redactString(event.summary).value.slice(0, SUMMARY_MAX);
    const data = redactJson(JSON.parse(JSON.stringify(event.data ?? {})) as JsonValue).value;
    // One round trip: the row, and the notification PostgreSQL delivers when (and only if) this commits.
    // Identical payloads of one transaction fold into one notification.
    await manager.query(
      `WITH appended AS (
         INSERT INTO events (tx_id, type, subject_type, subject_id, run_id, owner_principal_id, summary, data)
         VALUES (pg_current_xact_id()::text::bigint, $1, $2, $3, $4, $5, $6, $7::jsonb)
         RETURNING tx_id
       )
       SELECT pg_notify('${EVENTS_CHANNEL}', tx_id::text) FROM appended`,
      [
        event.type,
        event.subject.type,
        event.subject.id.slice(0, 255),
        event.runId ?? null,
        event.owner,
        summary,
        JSON.stringify(data),
      ],
    );
  }

  /** Events after `after` that `principal` may see, oldest first, in one statement (one snapshot). */
  async page(
    principal: Principal,
    after: EventPosition,
    filter: EventFilter,
    limit: number,
  ): Promise<EventPage> {
    const owner = ownerFilterFor(principal);
    const params: unknown[] = [after.txId, after.id, limit + 1];
    const where: string[] = [];
    if (owner !== null) where.push(`e.owner_principal_id = $${params.push(owner)}`);
    if (filter.types?.length) where.push(`e.type = ANY($${params.push(filter.types)}::varchar[])`);
    if (filter.runId !== undefined) where.push(`e.run_id = $${params.push(filter.runId)}`);
    const rows: PageRow[] = await this.dataSource.query(
      `WITH s AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin),
       frontier AS (
         SELECT (SELECT ARRAY[f.tx_id, f.id] FROM events f WHERE f.tx_id < s.xmin
                 ORDER BY f.tx_id DESC, f.id DESC LIMIT 1) AS pos,
                EXISTS (SELECT 1 FROM events h WHERE h.tx_id >= s.xmin AND (h.tx_id, h.id) > ($1, $2)) AS held,
                s.xmin
         FROM s
       )
       SELECT frontier.pos[1] AS frontier_tx, frontier.pos[2] AS frontier_id, frontier.held, p.*
       FROM frontier LEFT JOIN LATERAL (
         SELECT e.id, e.tx_id, e.type, e.subject_type, e.subject_id, e.run_id, e.owner_principal_id,
                e.summary, e.data, e.created_at
         FROM events e
         WHERE (e.tx_id, e.id) > ($1, $2) AND e.tx_id < frontier.xmin ${where.map((w) => `AND ${w}`).join(' ')}
         ORDER BY e.tx_id, e.id
         LIMIT $3
       ) p ON true`,
      params,
    );
    const first = rows[0];
    const events = rows.filter((row) => row.id !== null).map(toView);
    const hasMore = events.length > limit;
    const page = events.slice(0, limit);
    let next = after;
    if (hasMore) {
      next = decodeEventCursor(page[page.length - 1].cursor)!;
    } else if (first.frontier_tx !== null) {
      const frontier = { txId: Number(first.frontier_tx), id: Number(first.frontier_id) };
      if (comparePositions(frontier, after) > 0) next = frontier;
    }
    return { events: page, next, hasMore, heldBack: first.held };
  }

  /** The newest settled position (where a stream without a cursor starts: only what happens next). */
  async head(): Promise<EventPosition> {
    const rows: Array<{ tx_id: string; id: string }> = await this.dataSource.query(
      `SELECT tx_id, id FROM events WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
       ORDER BY tx_id DESC, id DESC LIMIT 1`,
    );
    return rows.length ? { txId: Number(rows[0].tx_id), id: Number(rows[0].id) } : START;
  }

  /**
   * The position a client's cursor stands for: 400 when it is not a cursor, 410 (with the oldest cursor
   * still available) when retention pruned events after it. No cursor: the oldest retained event.
   */
  async resolveCursor(cursor: string | undefined): Promise<EventPosition> {
    const horizon = await this.horizon();
    if (cursor === undefined) return horizon;
    const position = decodeEventCursor(cursor);
    if (!position) throw new BadRequestException('The cursor is not one this API returned');
    if (comparePositions(position, horizon) < 0) {
      throw new GoneException({
        message: 'Events after this cursor were pruned (retention); resume from oldest_cursor',
        oldest_cursor: encodeEventCursor(horizon),
      });
    }
    return position;
  }

  /**
   * Deletes up to PRUNE_BATCH events older than `before` (the audit log is untouched) and moves the
   * horizon past them, on `manager` (one transaction); answers how many were deleted.
   */
  async prune(manager: EntityManager, before: Date): Promise<number> {
    const [deleted, count]: [Array<{ tx_id: string; id: string }>, number] = await manager.query(
      `DELETE FROM events WHERE id IN (
         SELECT id FROM events WHERE created_at < $1 ORDER BY created_at LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED)
       RETURNING tx_id, id`,
      [before],
    );
    if (count === 0) return 0;
    const newest = deleted
      .map((row) => ({ txId: Number(row.tx_id), id: Number(row.id) }))
      .reduce((a, b) => (comparePositions(a, b) >= 0 ? a : b));
    await manager.query(
      `INSERT INTO event_log_horizon (id, pruned_tx_id, pruned_id) VALUES (1, $1, $2)
       ON CONFLICT (id) DO UPDATE SET pruned_tx_id = excluded.pruned_tx_id, pruned_id = excluded.pruned_id
       WHERE (event_log_horizon.pruned_tx_id, event_log_horizon.pruned_id) < (excluded.pruned_tx_id, excluded.pruned_id)`,
      [newest.txId, newest.id],
    );
    return count;
  }

  private async horizon(): Promise<EventPosition> {
    const rows: Array<{ pruned_tx_id: string; pruned_id: string }> = await this.dataSource.query(
      'SELECT pruned_tx_id, pruned_id FROM event_log_horizon WHERE id = 1',
    );
    return rows.length ? { txId: Number(rows[0].pruned_tx_id), id: Number(rows[0].pruned_id) } : START;
  }
}

function toView(row: PageRow): EventView {
  return {
    cursor: encodeEventCursor({ txId: Number(row.tx_id), id: Number(row.id) }),
    type: row.type,
    subject: { type: row.subject_type, id: row.subject_id },
    run_id: row.run_id,
    owner: row.owner_principal_id,
    summary: row.summary,
    data: row.data,
    created_at: row.created_at.toISOString(),
  };
}
