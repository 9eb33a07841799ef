import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keyset order for the last two lists (issue #19): one run's savings events by (recorded_at, id), the
 * run_id index it replaces being its prefix, and the webhook endpoints by (created_at, id), so a cursor
 * bounds the index scan and every page costs what the first does.
 */
export class KeysetListIndexes1796800000000 implements MigrationInterface {
  name = 'KeysetListIndexes1796800000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."IDX_886b8b5ccc1cbcdee3dd689ae6"');
    await queryRunner.query(
      'CREATE INDEX "IDX_token_savings_run_recorded_at_id" ON "token_savings_events" ("run_id", "recorded_at", "id") ',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_webhook_endpoints_created_at_id" ON "webhook_endpoints" ("created_at", "id") ',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."IDX_webhook_endpoints_created_at_id"');
    await queryRunner.query('DROP INDEX "public"."IDX_token_savings_run_recorded_at_id"');
    await queryRunner.query(
      'CREATE INDEX "IDX_886b8b5ccc1cbcdee3dd689ae6" ON "token_savings_events" ("run_id") ',
    );
  }
}
