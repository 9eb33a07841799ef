import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A counter row remembers how many hits its last upsert reserved, so the replica that made it reads its
 * grant back from RETURNING (a read before the upsert would race with other replicas).
 */
export class RateLimitReservations1796700000000 implements MigrationInterface {
  name = 'RateLimitReservations1796700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "rate_limit_counters" ADD "granted" integer NOT NULL DEFAULT 1');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "rate_limit_counters" DROP COLUMN "granted"');
  }
}
