import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ExpiryScheduler } from './expiry-scheduler';
import { HumansBehindService } from './humans-behind.service';

/**
 * What every request waiting for a human shares: who stands behind a principal (so nobody decides their
 * own request, decision-rules.ts), and the one scheduler that expires overdue requests of every kind.
 */
@Module({
  imports: [AuthModule],
  providers: [ExpiryScheduler, HumansBehindService],
  exports: [ExpiryScheduler, HumansBehindService],
})
export class ApprovalsModule {}
