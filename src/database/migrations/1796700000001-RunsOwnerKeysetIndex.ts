import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One owner's runs in keyset order: with id in the index, a cursor's `(created_at, id) < (…)` bounds the
 * index scan instead of filtering every newer run of that owner (constant-cost pages, issue #19).
 */
export class RunsOwnerKeysetIndex1796700000001 implements MigrationInterface {
  name = 'RunsOwnerKeysetIndex1796700000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."IDX_runs_owner_created_at"');
    await queryRunner.query(
      'CREATE INDEX "IDX_runs_owner_created_at_id" ON "runs" ("owner_principal_id", "created_at", "id") ',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."IDX_runs_owner_created_at_id"');
    await queryRunner.query(
      'CREATE INDEX "IDX_runs_owner_created_at" ON "runs" ("owner_principal_id", "created_at") ',
    );
  }
}
