import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { UserAuth } from '../auth/auth.decorators';
import { DataSource } from 'typeorm';
import { ErrorResponseDto } from '../http/error-response.dto';
import { verifyAuditChain } from './audit-chain.verifier';
import { AuditEventsReader } from './audit-events.reader';
import { AuditEventPageDto } from './dto/audit-event.dto';
import { AuditEventsQueryDto } from './dto/audit-events-query.dto';
import { AuditVerificationDto } from './dto/audit-verification.dto';

@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(
    private readonly reader: AuditEventsReader,
    private readonly dataSource: DataSource,
  ) {}

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

  /**
   * Verifies the whole hash chain now (the same walk as `npm run audit:verify`: one read-only snapshot,
   * constant memory) and says whether it is intact, else where it first breaks. Admins only.
   */
  @Get('verify')
  @UserAuth('admin')
  @ApiOkResponse({ type: AuditVerificationDto })
  async verify(): Promise<AuditVerificationDto> {
    const result = await verifyAuditChain(this.dataSource);
    const verified_at = new Date().toISOString();
    if (result.intact) return { intact: true, count: result.count, head_hash: result.headHash, verified_at };
    const { count, position, problem, message } = result;
    return { intact: false, count, position, problem, message, verified_at };
  }
}
