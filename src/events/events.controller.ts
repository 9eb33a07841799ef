import { Controller, Get, Headers, HttpCode, Post, Query, Sse, UnauthorizedException } from '@nestjs/common';
import type { MessageEvent } from '@nestjs/common';
import { SseSignal } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiGoneResponse,
  ApiHeader,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Observable } from 'rxjs';
import { PublicRead } from '../auth/auth.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import {
  StreamTicketsService,
  STREAM_TICKET_TTL_SECONDS,
} from '../auth/stream-tickets/stream-tickets.service';
import { ErrorResponseDto } from '../http/error-response.dto';
import { validationFailed } from '../http/validation-errors';
import { encodeEventCursor } from './event-cursor';
import { EventLogService } from './event-log.service';
import type { EventFilter } from './event-log.service';
import { EVENT_TYPES } from './event-types';
import type { EventType } from './event-types';
import { EventStreamsService } from './event-streams.service';
import {
  EVENTS_PAGE_DEFAULT,
  EventPageDto,
  EventsQueryDto,
  EventStreamQueryDto,
  StreamTicketDto,
} from './dto/events.dto';

@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(
    private readonly log: EventLogService,
    private readonly streams: EventStreamsService,
    private readonly tickets: StreamTicketsService,
  ) {}

  /**
   * The event log as JSON pages, oldest first: what the caller may see (the runs visibility rule) after
   * `after`. A cursor never skips an event (docs/EVENTS.md).
   */
  @Get()
  @PublicRead('events:read')
  @ApiOkResponse({ type: EventPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Malformed cursor, limit or filter' })
  @ApiGoneResponse({
    type: ErrorResponseDto,
    description: 'Pruned cursor; `oldest_cursor` says where to resume',
  })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'Unknown event types' })
  async list(
    @Query() query: EventsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EventPageDto> {
    const filter = filterOf(query);
    const after = await this.log.resolveCursor(query.after);
    const page = await this.log.page(principal, after, filter, query.limit ?? EVENTS_PAGE_DEFAULT);
    return { events: page.events, next_cursor: encodeEventCursor(page.next), has_more: page.hasMore };
  }

  /**
   * The live event stream (`text/event-stream`): `id:` is the event's cursor, `event:` its type, `data:`
   * the event as JSON; a comment heartbeat keeps it open. Resume with `Last-Event-ID` (or `?after=`):
   * the missed events are replayed from the log first. Browsers authenticate with `?ticket=`.
   */
  @Sse('stream')
  @PublicRead('events:read', { streamTicket: true })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The last event cursor received' })
  @ApiOkResponse({ description: 'An endless text/event-stream of events' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Malformed cursor or filter' })
  @ApiGoneResponse({
    type: ErrorResponseDto,
    description: 'Pruned cursor; `oldest_cursor` says where to resume',
  })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'Unknown event types' })
  @ApiTooManyRequestsResponse({
    type: ErrorResponseDto,
    description: 'Too many open streams for this principal',
  })
  async stream(
    @Query() query: EventStreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @SseSignal() signal: AbortSignal,
  ): Promise<Observable<MessageEvent>> {
    const filter = filterOf(query);
    const resume = lastEventId?.trim() || query.after;
    const start = resume === undefined ? await this.log.head() : await this.log.resolveCursor(resume);
    const release = this.streams.reserve(principal);
    if (signal.aborted) release();
    else signal.addEventListener('abort', release, { once: true });
    return this.streams.stream(principal, start, filter);
  }

  /**
   * A stream ticket for `GET /events/stream?ticket=…`: valid 60 s, one use, bound to the caller. For the
   * console (EventSource cannot send Authorization, and a long-lived secret must not sit in a URL).
   */
  @Post('stream-ticket')
  @HttpCode(201)
  @PublicRead('events:read')
  @ApiCreatedResponse({ type: StreamTicketDto })
  async ticket(@CurrentPrincipal() principal: Principal): Promise<StreamTicketDto> {
    if (principal.kind === 'anonymous') throw new UnauthorizedException('A stream ticket needs credentials');
    const { ticket, expiresAt } = await this.tickets.mint(principal);
    return { ticket, expires_at: expiresAt.toISOString(), expires_in_seconds: STREAM_TICKET_TTL_SECONDS };
  }
}

/** The shared filters; unknown event types are a 422 that names them. */
function filterOf(query: { types?: string; run_id?: string }): EventFilter {
  const filter: EventFilter = {};
  if (query.run_id !== undefined) filter.runId = query.run_id;
  if (query.types !== undefined) {
    const types = [...new Set(query.types.split(',').map((t) => t.trim()))];
    const unknown = types.filter((t) => !Object.hasOwn(EVENT_TYPES, t));
    if (unknown.length > 0) {
      throw validationFailed([
        {
          loc: ['query', 'types'],
          msg: `unknown event types: ${unknown.map((t) => JSON.stringify(t.slice(0, 64))).join(', ')}`,
          type: 'value_error.event_type',
        },
      ]);
    }
    filter.types = types as EventType[];
  }
  return filter;
}
