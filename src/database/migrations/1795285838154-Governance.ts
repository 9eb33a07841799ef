import { MigrationInterface, QueryRunner } from 'typeorm';

export class Governance1795285838154 implements MigrationInterface {
  name = 'Governance1795285838154';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "approval_requests" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "run_id" character varying(255) NOT NULL, "phase_id" character varying(255) NOT NULL, "context" character varying(255) NOT NULL, "decision_info" jsonb NOT NULL, "deletion_info" jsonb, "status" character varying(16) NOT NULL, "requested_by" character varying(80) NOT NULL, "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "decided_by" character varying(80), "decided_by_name" character varying(100), "decided_at" TIMESTAMP WITH TIME ZONE, "decision_comment" text, CONSTRAINT "PK_484806bb8ff331b851fc75973c0" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_0bcfff2aed6c93f6fa089720b3" ON "approval_requests"  ("requested_by") ',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_3b4e871ad076f82f1bdf191c3d" ON "approval_requests"  ("status", "expires_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "governance_requests" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "run_id" character varying(255) NOT NULL, "phase_id" character varying(255) NOT NULL, "reason" text NOT NULL, "verdicts" jsonb NOT NULL, "status" character varying(16) NOT NULL, "requested_by" character varying(80) NOT NULL, "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "decided_by" character varying(80), "decided_by_name" character varying(100), "decided_at" TIMESTAMP WITH TIME ZONE, "decision_comment" text, CONSTRAINT "PK_ebc6d46c00e9f40a161ba705fbe" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_6f35ef01e326d19347dd719a1f" ON "governance_requests"  ("requested_by") ',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_76e717d5992d46e39299a5a9be" ON "governance_requests"  ("status", "expires_at") ',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."IDX_76e717d5992d46e39299a5a9be"');
    await queryRunner.query('DROP INDEX "public"."IDX_6f35ef01e326d19347dd719a1f"');
    await queryRunner.query('DROP TABLE "governance_requests"');
    await queryRunner.query('DROP INDEX "public"."IDX_3b4e871ad076f82f1bdf191c3d"');
    await queryRunner.query('DROP INDEX "public"."IDX_0bcfff2aed6c93f6fa089720b3"');
    await queryRunner.query('DROP TABLE "approval_requests"');
  }
}
