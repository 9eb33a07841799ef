import { MigrationInterface, QueryRunner } from 'typeorm';

export class RunControl1796500000001 implements MigrationInterface {
  name = 'RunControl1796500000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "runs" ADD "cancelled_by" character varying(160)');
    await queryRunner.query('ALTER TABLE "runs" ADD "cancelled_at" TIMESTAMP WITH TIME ZONE');
    await queryRunner.query('ALTER TABLE "runs" ADD "cancel_reason" text');
    await queryRunner.query('ALTER TABLE "run_phases" ADD "attempt" integer NOT NULL DEFAULT \'1\'');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "run_phases" DROP COLUMN "attempt"');
    await queryRunner.query('ALTER TABLE "runs" DROP COLUMN "cancel_reason"');
    await queryRunner.query('ALTER TABLE "runs" DROP COLUMN "cancelled_at"');
    await queryRunner.query('ALTER TABLE "runs" DROP COLUMN "cancelled_by"');
  }
}
