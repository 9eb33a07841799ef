import { MigrationInterface, QueryRunner } from 'typeorm';

export class Runs1795281072053 implements MigrationInterface {
  name = 'Runs1795281072053';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "runs" ("id" character varying(255) NOT NULL, "owner_principal_id" character varying(160) NOT NULL, "state" character varying(48) NOT NULL, "safety_profile" character varying(32) NOT NULL, "run_scope" character varying(32) NOT NULL, "token_cap" bigint NOT NULL, "max_phases" integer NOT NULL, "max_duration_minutes" integer NOT NULL, "tokens_used" bigint NOT NULL DEFAULT \'0\', "ci_runs_used" integer NOT NULL DEFAULT \'0\', "minor_issues_count" integer NOT NULL DEFAULT \'0\', "major_issues_count" integer NOT NULL DEFAULT \'0\', "promotion_eligible_to_main" boolean NOT NULL DEFAULT false, "debt_status" character varying(64), "failure_reason" text, "start_request_sha256" character(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "completed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_46d6a1e257c38ba58f1a3c30836" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "IDX_runs_state" ON "runs"  ("state") ');
    await queryRunner.query(
      'CREATE INDEX "IDX_runs_owner_created_at" ON "runs"  ("owner_principal_id", "created_at") ',
    );
    await queryRunner.query('CREATE INDEX "IDX_runs_created_at_id" ON "runs"  ("created_at", "id") ');
    await queryRunner.query(
      'CREATE TABLE "run_phases" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "run_id" character varying(255) NOT NULL, "phase_id" character varying(255) NOT NULL, "tier_id" character varying(255) NOT NULL, "phase_index" integer NOT NULL, "name" character varying(500) NOT NULL, "description" text, "state" character varying(16) NOT NULL, "task_category" character varying(255), "complexity" character varying(16), "builder_mode" character varying(255), "scope" jsonb, "intention_refs" jsonb, "builder_attempts" integer NOT NULL DEFAULT \'0\', "tokens_used" bigint NOT NULL DEFAULT \'0\', "result_tokens_used" bigint NOT NULL DEFAULT \'0\', "reported_tokens_used" bigint NOT NULL DEFAULT \'0\', "minor_issues_count" integer NOT NULL DEFAULT \'0\', "major_issues_count" integer NOT NULL DEFAULT \'0\', "quality_level" character varying(16), "quality_blocked" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "completed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_e2332c71e24500838156b3a7fcf" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "UQ_run_phases_run_phase" ON "run_phases"  ("run_id", "phase_id") ',
    );
    await queryRunner.query(
      'CREATE TABLE "auditor_results" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "run_id" character varying(255) NOT NULL, "phase_uuid" uuid NOT NULL, "phase_id" character varying(255) NOT NULL, "review_notes" text NOT NULL, "issues_found" jsonb NOT NULL, "suggested_patches" jsonb NOT NULL, "auditor_attempts" integer NOT NULL, "tokens_used" bigint NOT NULL, "recommendation" character varying(16) NOT NULL, "confidence" character varying(16) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_9dea6f521cbf4f9767448cc5cfd" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_auditor_results_phase" ON "auditor_results"  ("phase_uuid", "created_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "builder_results" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "run_id" character varying(255) NOT NULL, "phase_uuid" uuid NOT NULL, "phase_id" character varying(255) NOT NULL, "status" character varying(16) NOT NULL, "run_type" character varying(64) NOT NULL, "allowed_paths" jsonb NOT NULL, "patch_content" text, "files_changed" jsonb NOT NULL, "lines_added" integer NOT NULL, "lines_removed" integer NOT NULL, "builder_attempts" integer NOT NULL, "tokens_used" bigint NOT NULL, "duration_minutes" double precision NOT NULL, "probe_results" jsonb NOT NULL, "suggested_issues" jsonb NOT NULL, "notes" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_2f80417c96b64ee2f6b88363d0a" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_builder_results_phase" ON "builder_results"  ("phase_uuid", "created_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "phase_issues" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "run_id" character varying(255) NOT NULL, "phase_uuid" uuid NOT NULL, "phase_id" character varying(255) NOT NULL, "tier_id" character varying(255) NOT NULL, "issue_key" character varying(255) NOT NULL, "severity" character varying(16) NOT NULL, "category" character varying(255) NOT NULL, "description" text NOT NULL, "evidence_refs" jsonb NOT NULL, "occurrence_count" integer NOT NULL DEFAULT \'1\', "first_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_e14e9d2dc4d13414ac0eca3b573" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "IDX_phase_issues_key" ON "phase_issues"  ("issue_key") ');
    await queryRunner.query('CREATE INDEX "IDX_phase_issues_run" ON "phase_issues"  ("run_id") ');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "UQ_phase_issues_phase_key" ON "phase_issues"  ("phase_uuid", "issue_key") ',
    );
    await queryRunner.query(
      'CREATE TABLE "run_error_reports" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "run_id" character varying(255) NOT NULL, "phase_id" character varying(255), "error_type" character varying(255) NOT NULL, "message" text NOT NULL, "context" jsonb NOT NULL, "redaction_count" integer NOT NULL DEFAULT \'0\', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_70be0ddae73ff91c79f6ea5e208" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_run_error_reports_run_created" ON "run_error_reports"  ("run_id", "created_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "run_tiers" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "run_id" character varying(255) NOT NULL, "tier_id" character varying(255) NOT NULL, "tier_index" integer NOT NULL, "name" character varying(500) NOT NULL, "description" text, "state" character varying(16) NOT NULL, "cleanliness" character varying(16) NOT NULL DEFAULT \'clean\', "minor_issues_count" integer NOT NULL DEFAULT \'0\', "major_issues_count" integer NOT NULL DEFAULT \'0\', CONSTRAINT "PK_21e7a27e5f27dcb929f1fff0db2" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "UQ_run_tiers_run_tier" ON "run_tiers"  ("run_id", "tier_id") ',
    );
    await queryRunner.query(
      'ALTER TABLE "run_phases" ADD CONSTRAINT "FK_ee7d6ecf933669359aeb8d854ed" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "auditor_results" ADD CONSTRAINT "FK_9e6f881a548259865164a8fec34" FOREIGN KEY ("phase_uuid") REFERENCES "run_phases"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "builder_results" ADD CONSTRAINT "FK_5f42acbd8ad21ac92e57c299c3d" FOREIGN KEY ("phase_uuid") REFERENCES "run_phases"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "phase_issues" ADD CONSTRAINT "FK_70cdb09342a363d4f932503099e" FOREIGN KEY ("phase_uuid") REFERENCES "run_phases"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "run_error_reports" ADD CONSTRAINT "FK_fb5a571228a3bcce6fcd9bdcd7a" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "run_tiers" ADD CONSTRAINT "FK_54660ca41923a3e1b7e175b913d" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "run_tiers" DROP CONSTRAINT "FK_54660ca41923a3e1b7e175b913d"');
    await queryRunner.query(
      'ALTER TABLE "run_error_reports" DROP CONSTRAINT "FK_fb5a571228a3bcce6fcd9bdcd7a"',
    );
    await queryRunner.query('ALTER TABLE "phase_issues" DROP CONSTRAINT "FK_70cdb09342a363d4f932503099e"');
    await queryRunner.query('ALTER TABLE "builder_results" DROP CONSTRAINT "FK_5f42acbd8ad21ac92e57c299c3d"');
    await queryRunner.query('ALTER TABLE "auditor_results" DROP CONSTRAINT "FK_9e6f881a548259865164a8fec34"');
    await queryRunner.query('ALTER TABLE "run_phases" DROP CONSTRAINT "FK_ee7d6ecf933669359aeb8d854ed"');
    await queryRunner.query('DROP INDEX "public"."UQ_run_tiers_run_tier"');
    await queryRunner.query('DROP TABLE "run_tiers"');
    await queryRunner.query('DROP INDEX "public"."IDX_run_error_reports_run_created"');
    await queryRunner.query('DROP TABLE "run_error_reports"');
    await queryRunner.query('DROP INDEX "public"."UQ_phase_issues_phase_key"');
    await queryRunner.query('DROP INDEX "public"."IDX_phase_issues_run"');
    await queryRunner.query('DROP INDEX "public"."IDX_phase_issues_key"');
    await queryRunner.query('DROP TABLE "phase_issues"');
    await queryRunner.query('DROP INDEX "public"."IDX_builder_results_phase"');
    await queryRunner.query('DROP TABLE "builder_results"');
    await queryRunner.query('DROP INDEX "public"."IDX_auditor_results_phase"');
    await queryRunner.query('DROP TABLE "auditor_results"');
    await queryRunner.query('DROP INDEX "public"."UQ_run_phases_run_phase"');
    await queryRunner.query('DROP TABLE "run_phases"');
    await queryRunner.query('DROP INDEX "public"."IDX_runs_created_at_id"');
    await queryRunner.query('DROP INDEX "public"."IDX_runs_owner_created_at"');
    await queryRunner.query('DROP INDEX "public"."IDX_runs_state"');
    await queryRunner.query('DROP TABLE "runs"');
  }
}
