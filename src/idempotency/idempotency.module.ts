import { Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyKeysPruner } from './idempotency-keys.pruner';

/**
 * Idempotency-Key for the executor writes: the interceptor (`@Idempotent()`), the transaction that
 * stores a write's response with the write (`idempotentTransaction`), and the prune of expired keys.
 */
@Module({
  imports: [ApprovalsModule],
  providers: [IdempotencyInterceptor, IdempotencyKeysPruner],
  exports: [IdempotencyInterceptor],
})
export class IdempotencyModule {}
