import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditEventsReader } from './audit-events.reader';
import { AuditService } from './audit.service';

/** The hash-chained audit log. Other modules import it for `AuditService.record`. */
@Module({
  controllers: [AuditController],
  providers: [AuditService, AuditEventsReader],
  exports: [AuditService],
})
export class AuditModule {}
