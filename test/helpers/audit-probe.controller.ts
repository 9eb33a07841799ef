import { Body, Controller, Param, Post } from '@nestjs/common';
import { IsObject, IsOptional, IsString } from 'class-validator';
import { DataSource } from 'typeorm';
import type { AuditContext } from '../../src/audit/audit-context';
import { CurrentAuditContext } from '../../src/audit/audit-context.decorator';
import { AuditService } from '../../src/audit/audit.service';
import { ApiKey } from '../../src/auth/auth.decorators';

/** The table the probe changes; created by the tests that use the probe (never by a migration). */
export const PROBE_COUNTERS_DDL =
  'CREATE TABLE IF NOT EXISTS probe_counters (name text PRIMARY KEY, value integer NOT NULL DEFAULT 0)';

class IncrementBody {
  @IsOptional()
  @IsString()
  run_id?: string;

  @IsOptional()
  @IsObject()
  details?: Record<string, unknown>;
}

/**
 * A state change and its audit event in one transaction: what every real module does, in miniature.
 * Exists only in tests (fail-closed, multi-process and redaction tests).
 */
@Controller('audit-probe')
export class AuditProbeController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  @Post('counters/:name/increment')
  @ApiKey('runs:write')
  increment(
    @Param('name') name: string,
    @Body() body: IncrementBody,
    @CurrentAuditContext() context: AuditContext,
  ) {
    return this.dataSource.transaction(async (manager) => {
      const [rows] = (await manager.query(
        'UPDATE probe_counters SET value = value + 1 WHERE name = $1 RETURNING value',
        [name],
      )) as [Array<{ value: number }>, number];
      const recorded = await this.audit.record(manager, {
        ...context,
        type: 'probe.incremented',
        subject: { type: 'system', id: name },
        runId: body.run_id ?? null,
        details: { ...body.details, value: rows[0]?.value ?? null, pid: process.pid },
      });
      return { value: rows[0]?.value ?? null, position: recorded.position, pid: process.pid };
    });
  }
}
