import { Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module';
import { AuditModule } from '../audit/audit.module';
import { AppConfig } from '../config/app-config';
import { RunsModule } from '../runs/runs.module';
import { ApprovalRequestsService } from './approval-requests.service';
import { ApprovalController, GovernanceController } from './governance.controller';
import { GovernanceRequestsService } from './governance-requests.service';
import { PathPolicyEngine } from './path-policy';

/** Approval requests and path-based governance: default deny, decided only by humans. */
@Module({
  imports: [ApprovalsModule, AuditModule, RunsModule],
  controllers: [ApprovalController, GovernanceController],
  providers: [
    ApprovalRequestsService,
    GovernanceRequestsService,
    // The policy was validated with the configuration (loadConfig), before anything started.
    {
      provide: PathPolicyEngine,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new PathPolicyEngine(config.governancePolicy),
    },
  ],
})
export class GovernanceModule {}
