import { Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { UserAuth } from '../auth/auth.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ErrorResponseDto } from '../http/error-response.dto';
import { IdParam } from '../http/id-param';
import { ParseInboxKindPipe } from './inbox-kind.pipe';
import { InboxDto, InboxItemDto, InboxQueryDto } from './dto/inbox.dto';
import { INBOX_KINDS } from './inbox-kinds';
import type { InboxKind } from './inbox-kinds';
import { InboxService } from './inbox.service';

/**
 * The operator console's home: every decision waiting for the signed-in human. Read-only; the decisions
 * themselves go through each kind's own routes (and their audit).
 */
@ApiTags('inbox')
@Controller('inbox')
export class InboxController {
  constructor(private readonly inbox: InboxService) {}

  /**
   * Pending approval requests, governance requests and external actions you can see, newest first, each
   * with `may_decide` and, when false, the machine-readable `reason`. Paged by `cursor` (`next_cursor`).
   */
  @Get()
  @UserAuth()
  @ApiOkResponse({ type: InboxDto })
  list(@Query() query: InboxQueryDto, @CurrentPrincipal() principal: Principal): Promise<InboxDto> {
    return this.inbox.list(query, principal);
  }

  /** One pending item as the inbox shows it (the review pages ask whether you may decide it). */
  @Get(':kind/:id')
  @UserAuth()
  @ApiParam({ name: 'kind', enum: INBOX_KINDS })
  @ApiOkResponse({ type: InboxItemDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Not pending, unknown, or not visible to you' })
  async item(
    @Param('kind', ParseInboxKindPipe) kind: InboxKind,
    @IdParam('id', 'uuid') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InboxItemDto> {
    const item = await this.inbox.item(kind, id, principal);
    if (!item) throw new NotFoundException(`No pending ${kind} "${id}" waiting for you`);
    return item;
  }
}
