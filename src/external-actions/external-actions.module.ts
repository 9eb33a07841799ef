import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ObservabilityModule } from '../observability/observability.module';
import { ActionClaimsService } from './action-claims.service';
import { ExternalActionsController } from './external-actions.controller';
import { ExternalActionsReader } from './external-actions.reader';
import { ExternalActionsService } from './external-actions.service';
import { KillSwitchesService } from './kill-switches.service';

/** External side effects: the Tier A/B/C policy, approvals bound to payload hashes, atomic claims. */
@Module({
  imports: [AuditModule, ObservabilityModule],
  controllers: [ExternalActionsController],
  providers: [ExternalActionsService, ActionClaimsService, ExternalActionsReader, KillSwitchesService],
  exports: [KillSwitchesService, ActionClaimsService],
})
export class ExternalActionsModule {}
