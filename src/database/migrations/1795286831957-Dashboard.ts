import { MigrationInterface, QueryRunner } from 'typeorm';

export class Dashboard1795286831957 implements MigrationInterface {
  name = 'Dashboard1795286831957';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "human_notes" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "run_id" character varying(255), "note" text NOT NULL, "author_id" character varying(80) NOT NULL, "author_name" character varying(100) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_441ab5da7c060195a5978aa33c0" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "llm_usage_events" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "run_id" character varying(255) NOT NULL, "phase_id" character varying(255), "provider" character varying(100) NOT NULL, "model" character varying(200) NOT NULL, "prompt_tokens" integer NOT NULL, "completion_tokens" integer NOT NULL, "recorded_by" character varying(80) NOT NULL, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_91c1fb07175323068509ec3fc2c" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_62258135bf6c90751d0659d700" ON "llm_usage_events"  ("run_id") ',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_de03896f67f0daaa58a986015c" ON "llm_usage_events"  ("recorded_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "model_overrides" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "run_id" character varying(255), "role" character varying(100) NOT NULL, "model" character varying(200) NOT NULL, "created_by" character varying(80) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_215b5c033146987a4ade8c6fb5e" PRIMARY KEY ("id"))',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "model_overrides"');
    await queryRunner.query('DROP INDEX "public"."IDX_de03896f67f0daaa58a986015c"');
    await queryRunner.query('DROP INDEX "public"."IDX_62258135bf6c90751d0659d700"');
    await queryRunner.query('DROP TABLE "llm_usage_events"');
    await queryRunner.query('DROP TABLE "human_notes"');
  }
}
