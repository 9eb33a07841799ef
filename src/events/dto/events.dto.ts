import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { QueryInteger } from '../../http/query-integer';
import { EVENT_SUBJECT_TYPES, EVENT_TYPE_NAMES } from '../event-types';

export const EVENTS_PAGE_MAX = 500;
export const EVENTS_PAGE_DEFAULT = 100;

/** The filters the page and the stream share. */
export class EventFilterQueryDto {
  /**
   * Comma-separated event types (`approval.requested,action.approved`); unknown ones are a 422 naming
   * them. Default: every type.
   */
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  types?: string;

  /** Only events of this run. */
  @IsOptional()
  @IsString()
  @Length(1, 255)
  run_id?: string;
}

export class EventsQueryDto extends EventFilterQueryDto {
  /** Events after this cursor (`next_cursor` or an event's `cursor`). Default: the oldest retained. */
  @IsOptional()
  @IsString()
  @Length(1, 64)
  after?: string;

  /** Events per page, 1–500 (default 100). */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(EVENTS_PAGE_MAX)
  limit?: number;
}

export class EventStreamQueryDto extends EventFilterQueryDto {
  /**
   * Resume after this cursor (the `Last-Event-ID` header wins when both are sent). Default: only events
   * committed from now on.
   */
  @IsOptional()
  @IsString()
  @Length(1, 64)
  after?: string;

  /** A single-use stream ticket (`POST /events/stream-ticket`), for EventSource, which cannot send headers. */
  @IsOptional()
  @IsString()
  @Length(1, 64)
  ticket?: string;
}

export class EventSubjectDto {
  @ApiProperty({ enum: EVENT_SUBJECT_TYPES })
  type: string;
  id: string;
}

export class EventDto {
  /** The durable cursor of this event (also the SSE `id:`): resume after it. */
  cursor: string;
  @ApiProperty({ enum: EVENT_TYPE_NAMES })
  type: string;
  subject: EventSubjectDto;
  run_id: string | null;
  /** The principal whose visibility governs this event (`system` for shared things). */
  owner: string;
  /** One line for humans; redacted. */
  summary: string;
  /** A few ids and states (see docs/EVENTS.md); redacted, never a payload. */
  data: Record<string, unknown>;
  /** ISO-8601 UTC. */
  created_at: string;
}

export class EventPageDto {
  /** Oldest first, in cursor order. */
  events: EventDto[];
  /** Pass as `after` for the next page; always set (it stays put while nothing new is settled). */
  next_cursor: string;
  /** True when the page was full: ask again at once. */
  has_more: boolean;
}

export class StreamTicketDto {
  /** Use once within `expires_in_seconds`: `GET /events/stream?ticket=…`. */
  ticket: string;
  expires_at: string;
  expires_in_seconds: number;
}
