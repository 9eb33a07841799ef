import { FactoryProvider, Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module';
import { AuditModule } from '../audit/audit.module';
import { AppConfig } from '../config/app-config';
import { EventsModule } from '../events/events.module';
import { RunsModule } from '../runs/runs.module';
import { ApprovalRequestsService } from './approval-requests.service';
import { ApprovalController, GovernanceController } from './governance.controller';
import { GovernanceRequestsService } from './governance-requests.service';
import { loadPathPolicy, PathPolicyEngine } from './path-policy';

/**
 * The path policy from `AUTOPACK_GOVERNANCE_POLICY_FILE`. AppModule.forRoot also runs this factory before
 * Nest starts anything, so an invalid file refuses start with one ConfigError line.
 */
export const governancePolicyProvider = {
  provide: PathPolicyEngine,
  inject: [AppConfig],
  useFactory: (config: AppConfig) => new PathPolicyEngine(loadPathPolicy(config.governancePolicyFile)),
} satisfies FactoryProvider<PathPolicyEngine>;

/** Approval requests and path-based governance: default deny, decided only by humans. */
@Module({
  imports: [ApprovalsModule, AuditModule, EventsModule, RunsModule],
  controllers: [ApprovalController, GovernanceController],
  providers: [ApprovalRequestsService, GovernanceRequestsService, governancePolicyProvider],
  // The inbox (src/inbox) lists what is pending through these.
  exports: [ApprovalRequestsService, GovernanceRequestsService],
})
export class GovernanceModule {}
