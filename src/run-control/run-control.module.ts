import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { EventsModule } from '../events/events.module';
import { ExternalActionsModule } from '../external-actions/external-actions.module';
import { GovernanceModule } from '../governance/governance.module';
import { RunsModule } from '../runs/runs.module';
import { RunControlController } from './run-control.controller';
import { RunControlService } from './run-control.service';

/**
 * An operator's control of a run (cancel, retry a phase, budget). Its own module because a cancellation
 * spans runs, governance and external actions, and those already depend on runs.
 */
@Module({
  imports: [AuditModule, EventsModule, ExternalActionsModule, GovernanceModule, RunsModule],
  controllers: [RunControlController],
  providers: [RunControlService],
})
export class RunControlModule {}
