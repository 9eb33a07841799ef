import { MigrationInterface, QueryRunner } from 'typeorm';

export class TokenSavings1795288595893 implements MigrationInterface {
  name = 'TokenSavings1795288595893';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "token_savings_events" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "run_id" character varying(255) NOT NULL, "phase_id" character varying(255), "category" character varying(40) NOT NULL, "tokens" integer NOT NULL, "recorded_by" character varying(80) NOT NULL, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5e73305047f9baf42215284689d" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_886b8b5ccc1cbcdee3dd689ae6" ON "token_savings_events"  ("run_id") ',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."IDX_886b8b5ccc1cbcdee3dd689ae6"');
    await queryRunner.query('DROP TABLE "token_savings_events"');
  }
}
