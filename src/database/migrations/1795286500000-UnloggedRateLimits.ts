import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rate-limit counters are written on every request and worth nothing after a crash (a lost window only
 * resets a budget), so they skip the write-ahead log: an UNLOGGED table commits without a WAL flush.
 * The schema builder does not track table persistence, so the entity needs no change.
 */
export class UnloggedRateLimits1795286500000 implements MigrationInterface {
  name = 'UnloggedRateLimits1795286500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "rate_limit_counters" SET UNLOGGED');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "rate_limit_counters" SET LOGGED');
  }
}
