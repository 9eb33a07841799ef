import { Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module';
import { AuthModule } from '../auth/auth.module';
import { EventLogService } from './event-log.service';
import { EventNotifier } from './event-notifier';
import { EventStreamsService } from './event-streams.service';
import { EventsController } from './events.controller';

/**
 * The event log (transactional outbox), its readers (page, stream) and the notifications that wake them.
 * Other modules append through EventLogService inside their own transactions.
 */
@Module({
  imports: [ApprovalsModule, AuthModule],
  controllers: [EventsController],
  providers: [EventLogService, EventNotifier, EventStreamsService],
  exports: [EventLogService, EventStreamsService],
})
export class EventsModule {}
