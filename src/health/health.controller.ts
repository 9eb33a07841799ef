import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { KillSwitchesService } from '../external-actions/kill-switches.service';
import { NoRateLimit } from '../rate-limit/rate-limit.decorator';
import { HealthResponseDto, LivenessResponseDto } from './health.dto';
import { HealthService } from './health.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly switches: KillSwitchesService,
  ) {}

  /**
   * Readiness: 503 `unhealthy` when the database does not answer or migrations are pending; 200
   * `degraded` for problems that still let it serve (listed in `problems`); else 200 `healthy`.
   */
  @Get()
  @Public()
  @NoRateLimit()
  @ApiOkResponse({ type: HealthResponseDto })
  @ApiServiceUnavailableResponse({ type: HealthResponseDto, description: 'Not ready: see `problems`' })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthResponseDto> {
    const database = await this.health.checkDatabase();
    const migrations =
      database.status === 'ok'
        ? (await this.health.migrationsApplied())
          ? 'applied'
          : 'pending'
        : 'unknown';
    const fatal = [
      database.status !== 'ok' && 'the database is unreachable',
      migrations === 'pending' && 'database migrations are pending',
    ].filter((problem): problem is string => typeof problem === 'string');
    const nonFatal = [
      database.status === 'ok' &&
        database.latency_ms > this.health.slowDatabaseMs &&
        `the database answered in ${database.latency_ms} ms (over ${this.health.slowDatabaseMs} ms)`,
    ].filter((problem): problem is string => typeof problem === 'string');
    const status = fatal.length > 0 ? 'unhealthy' : nonFatal.length > 0 ? 'degraded' : 'healthy';
    if (status === 'unhealthy') res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return {
      status,
      problems: [...fatal, ...nonFatal],
      database,
      migrations,
      database_identity: this.health.databaseIdentity,
      version: this.health.version,
      kill_switches: this.switches.snapshot(),
    };
  }

  /** Liveness: the process answers HTTP. No dependency is checked (a restart would not fix them). */
  @Get('live')
  @Public()
  @NoRateLimit()
  @ApiOkResponse({ type: LivenessResponseDto })
  live(): LivenessResponseDto {
    return { status: 'alive' };
  }
}
