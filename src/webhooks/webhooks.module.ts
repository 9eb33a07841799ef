import { Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module';
import { AuditModule } from '../audit/audit.module';
import { EventsModule } from '../events/events.module';
import { WebhookDeliveryRetention } from './delivery-retention';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** Signed notifications of the event log: Standard Webhooks, Slack and Telegram (docs/EVENTS.md). */
@Module({
  imports: [ApprovalsModule, AuditModule, EventsModule],
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhookDispatcher, WebhookDeliveryRetention],
  exports: [WebhookDispatcher],
})
export class WebhooksModule {}
