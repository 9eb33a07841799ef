import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { UserAuth } from '../auth/auth.decorators';
import { ErrorResponseDto } from '../http/error-response.dto';
import { AuditEventsReader } from './audit-events.reader';
import { AuditEventPageDto } from './dto/audit-event.dto';
import { AuditEventsQueryDto } from './dto/audit-events-query.dto';

@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(private readonly reader: AuditEventsReader) {}

  /**
   * Audit events, newest first, filtered by type, subject, actor, run and time range; paginated with
   * `next_cursor` (at most 200 per page). Admins only.
   */
  @Get('events')
  @UserAuth('admin')
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid filter, limit or cursor' })
  list(@Query() query: AuditEventsQueryDto): Promise<AuditEventPageDto> {
    return this.reader.list(query);
  }
}
