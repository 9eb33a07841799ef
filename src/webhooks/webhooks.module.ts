import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { EventsModule } from '../events/events.module';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** Signed notifications of the event log: Standard Webhooks, Slack and Telegram (docs/EVENTS.md). */
@Module({
  imports: [AuditModule, EventsModule],
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhookDispatcher],
  exports: [WebhookDispatcher],
})
export class WebhooksModule {}
