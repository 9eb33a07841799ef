import { Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module';
import { AuditModule } from '../audit/audit.module';
import { OAuthModule } from '../auth/oauth/oauth.module';
import { ObservabilityModule } from '../observability/observability.module';
import { RunsModule } from '../runs/runs.module';
import { ActionClaimsService } from './action-claims.service';
import { ActionLifecycleService } from './action-lifecycle.service';
import { ExternalActionsController } from './external-actions.controller';
import { ExternalActionsReader } from './external-actions.reader';
import { ExternalActionsService } from './external-actions.service';
import { KillSwitchesService } from './kill-switches.service';

/** External side effects: the Tier A/B/C policy, approvals bound to payload hashes, atomic claims. */
@Module({
  imports: [ApprovalsModule, AuditModule, OAuthModule, ObservabilityModule, RunsModule],
  controllers: [ExternalActionsController],
  providers: [
    ExternalActionsService,
    ActionClaimsService,
    ActionLifecycleService,
    ExternalActionsReader,
    KillSwitchesService,
  ],
  exports: [KillSwitchesService, ActionClaimsService],
})
export class ExternalActionsModule {}
