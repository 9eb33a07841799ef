import { MigrationInterface, QueryRunner } from 'typeorm';

export class ExternalActions1795285744591 implements MigrationInterface {
  name = 'ExternalActions1795285744591';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "external_actions" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "provider" character varying(64) NOT NULL, "action" character varying(64) NOT NULL, "tier" character(1) NOT NULL, "classification" character varying(16) NOT NULL, "kill_switch" character varying(64), "approvals_required" smallint NOT NULL, "max_retries" smallint NOT NULL, "status" character varying(24) NOT NULL, "proposed_by" character varying(160) NOT NULL, "proposed_by_kind" character varying(16) NOT NULL, "proposed_by_name" character varying(200) NOT NULL, "proposer_humans" text array NOT NULL, "idempotency_key" character varying(255) NOT NULL, "payload" jsonb NOT NULL, "payload_hash" character(64) NOT NULL, "approved_payload_hash" character(64), "summary" character varying(500) NOT NULL, "external_target" character varying(255) NOT NULL, "estimated_spend_cents" bigint NOT NULL, "reserved_spend_cents" bigint NOT NULL DEFAULT \'0\', "reserved_day" date, "actual_spend_cents" bigint, "run_id" character varying(255), "phase_id" character varying(255), "approvals" jsonb NOT NULL, "approved_at" TIMESTAMP WITH TIME ZONE, "approval_expires_at" TIMESTAMP WITH TIME ZONE, "decided_by" character varying(160), "decision_reason" character varying(500), "attempt_count" smallint NOT NULL DEFAULT \'0\', "attempt_id" uuid, "claimed_by" character varying(160), "lease_expires_at" TIMESTAMP WITH TIME ZONE, "execution_mode" character varying(8), "external_object_id" character varying(255), "result_status" character varying(16), "error_code" character varying(100), "error_summary" character varying(1000), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "executed_at" TIMESTAMP WITH TIME ZONE, "completed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_external_actions_principal_idempotency_key" UNIQUE ("proposed_by", "idempotency_key"), CONSTRAINT "PK_704071ef81f96dd0f2d9963726e" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "IDX_external_actions_status" ON "external_actions"  ("status") ');
    await queryRunner.query('CREATE INDEX "IDX_external_actions_run_id" ON "external_actions"  ("run_id") ');
    await queryRunner.query(
      'CREATE INDEX "IDX_external_actions_created_at_id" ON "external_actions"  ("created_at", "id") ',
    );
    await queryRunner.query(
      'CREATE TABLE "external_action_daily_usage" ("day" date NOT NULL, "spent_cents" bigint NOT NULL DEFAULT \'0\', "actions" integer NOT NULL DEFAULT \'0\', CONSTRAINT "PK_2d96e928cae63fa56a45d5b728f" PRIMARY KEY ("day"))',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "external_action_daily_usage"');
    await queryRunner.query('DROP INDEX "public"."IDX_external_actions_created_at_id"');
    await queryRunner.query('DROP INDEX "public"."IDX_external_actions_run_id"');
    await queryRunner.query('DROP INDEX "public"."IDX_external_actions_status"');
    await queryRunner.query('DROP TABLE "external_actions"');
  }
}
