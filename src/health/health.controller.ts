import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { NoRateLimit } from '../rate-limit/rate-limit.decorator';
import { HealthResponseDto } from './health.dto';
import { HealthService } from './health.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Readiness: 200 while the database answers, 503 (`unhealthy`) when it does not. */
  @Get()
  @Public()
  @NoRateLimit()
  @ApiOkResponse({ type: HealthResponseDto })
  @ApiServiceUnavailableResponse({ type: HealthResponseDto, description: 'The database is unreachable' })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthResponseDto> {
    const database = await this.health.checkDatabase();
    const status = database.status === 'ok' ? 'healthy' : 'unhealthy';
    if (status === 'unhealthy') res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return {
      status,
      database,
      database_identity: this.health.databaseIdentity,
      version: this.health.version,
      kill_switches: {},
    };
  }
}
