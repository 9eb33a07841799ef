import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import { ApiKey, Public, PublicRead } from '../../src/auth/auth.decorators';
import { CurrentPrincipal } from '../../src/auth/current-principal.decorator';
import type { Principal } from '../../src/auth/principal';

class ProbeInner {
  @IsInt()
  @Min(1)
  count: number;
}

class ProbeBody {
  @IsString()
  name: string;

  @IsIn(['a', 'b'])
  kind: string;

  @ValidateNested()
  @Type(() => ProbeInner)
  inner: ProbeInner;
}

class ProbeQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

/** Routes that exist only in tests, to probe the guard, validation and error handling. */
@Controller('probe')
export class ProbeController {
  @Get('unmarked')
  unmarked() {
    return { reached: true };
  }

  @Post('machine')
  @ApiKey('runs:write')
  machine(@Body() body: ProbeBody, @CurrentPrincipal() principal: Principal) {
    return { body, principal: principal.id };
  }

  @Get('metrics-only')
  @ApiKey('metrics:read')
  metricsOnly() {
    return { reached: true };
  }

  @Get('read')
  @PublicRead()
  read(@Query() query: ProbeQuery, @CurrentPrincipal() principal: Principal) {
    return { limit: query.limit ?? null, principal: principal.kind };
  }

  @Get('public')
  @Public()
  open() {
    return { reached: true };
  }

  @Get('items/:id')
  @Public()
  item(@Param('id') id: string) {
    return { id };
  }

  @Get('boom')
  @Public()
  boom(): never {
    throw new Error('SELECT password FROM users WHERE 1=1 -- at /etc/autopack/secret.ts:12');
  }
}
