import { FactoryProvider, Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module';
import { AuditModule } from '../audit/audit.module';
import { EventsModule } from '../events/events.module';
import { AppConfig } from '../config/app-config';
import { ProviderCredentialsModule } from '../provider-credentials/provider-credentials.module';
import { ObservabilityModule } from '../observability/observability.module';
import { RunsModule } from '../runs/runs.module';
import { ActionClaimsService } from './action-claims.service';
import { ActionLifecycleService } from './action-lifecycle.service';
import { ExternalActionsController } from './external-actions.controller';
import { EXTERNAL_ACTIONS_POLICY, loadExternalActionsPolicy } from './external-actions-policy';
import type { ExternalActionsPolicy } from './external-actions-policy';
import { ExternalActionsReader } from './external-actions.reader';
import { ExternalActionsService } from './external-actions.service';
import { KillSwitchesService } from './kill-switches.service';

/**
 * The Tier A/B/C policy from `AUTOPACK_EXTERNAL_ACTIONS_POLICY_FILE`. AppModule.forRoot also runs this
 * factory before Nest starts anything, so an invalid file refuses start with one ConfigError line.
 */
export const externalActionsPolicyProvider = {
  provide: EXTERNAL_ACTIONS_POLICY,
  inject: [AppConfig],
  useFactory: (config: AppConfig): ExternalActionsPolicy =>
    loadExternalActionsPolicy(config.externalActionsPolicyFile),
} satisfies FactoryProvider<ExternalActionsPolicy>;

/** External side effects: the Tier A/B/C policy, approvals bound to payload hashes, atomic claims. */
@Module({
  imports: [
    ApprovalsModule,
    AuditModule,
    EventsModule,
    ProviderCredentialsModule,
    ObservabilityModule,
    RunsModule,
  ],
  controllers: [ExternalActionsController],
  providers: [
    externalActionsPolicyProvider,
    ExternalActionsService,
    ActionClaimsService,
    ActionLifecycleService,
    ExternalActionsReader,
    KillSwitchesService,
  ],
  exports: [KillSwitchesService, ActionClaimsService, ExternalActionsService, ExternalActionsReader],
})
export class ExternalActionsModule {}
