import { Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module';
import { ExternalActionsModule } from '../external-actions/external-actions.module';
import { GovernanceModule } from '../governance/governance.module';
import { InboxController } from './inbox.controller';
import { InboxService } from './inbox.service';

/** What waits for a human, across approval requests, governance requests and external actions. */
@Module({
  imports: [ApprovalsModule, ExternalActionsModule, GovernanceModule],
  controllers: [InboxController],
  providers: [InboxService],
})
export class InboxModule {}
