import { MigrationInterface, QueryRunner } from 'typeorm';

export class IdempotencyKeys1796500000000 implements MigrationInterface {
  name = 'IdempotencyKeys1796500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "idempotency_keys" ("principal_id" character varying(160) NOT NULL, "key" character varying(255) NOT NULL, "request" character varying(2048) NOT NULL, "request_sha256" character(64) NOT NULL, "response_status" integer NOT NULL, "response_body" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_3df5494b04add5b16d8608a3876" PRIMARY KEY ("principal_id", "key"))',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_idempotency_keys_expires_at" ON "idempotency_keys"  ("expires_at") ',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."IDX_idempotency_keys_expires_at"');
    await queryRunner.query('DROP TABLE "idempotency_keys"');
  }
}
