import { Controller, ForbiddenException, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiKey } from '../auth/auth.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ErrorResponseDto } from '../http/error-response.dto';
import { AuditEventsReader } from './audit-events.reader';
import { AuditEventPageDto } from './dto/audit-event.dto';
import { AuditEventsQueryDto } from './dto/audit-events-query.dto';

export const AUDIT_ADMIN_ONLY = 'Reading the audit log needs an admin principal';

@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(private readonly reader: AuditEventsReader) {}

  /**
   * Audit events, newest first, filtered by type, subject, actor, run and time range; paginated with
   * `next_cursor` (at most 200 per page). Admins only.
   */
  // TODO(identity merge): becomes @UserAuth('admin'); until users exist, an admin API key (the instance key).
  @Get('events')
  @ApiKey()
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid filter, limit or cursor' })
  list(
    @Query() query: AuditEventsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AuditEventPageDto> {
    if (!principal.isAdmin) throw new ForbiddenException(AUDIT_ADMIN_ONLY);
    return this.reader.list(query);
  }
}
