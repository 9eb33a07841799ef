import { MigrationInterface, QueryRunner } from 'typeorm';

export class Webhooks1796310515432 implements MigrationInterface {
  name = 'Webhooks1796310515432';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "webhook_deliveries" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "endpoint_id" uuid NOT NULL, "event_cursor" character varying(64) NOT NULL, "event_type" character varying(64) NOT NULL, "event" jsonb NOT NULL, "status" character varying(16) NOT NULL, "attempts" integer NOT NULL DEFAULT \'0\', "next_attempt_at" TIMESTAMP WITH TIME ZONE, "last_status_code" integer, "last_error" character varying(200), "delivered_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_535dd409947fb6d8fc6dfc0112a" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "UQ_webhook_deliveries_event" ON "webhook_deliveries"  ("endpoint_id", "event_cursor") ',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_webhook_deliveries_endpoint" ON "webhook_deliveries"  ("endpoint_id", "created_at") ',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_webhook_deliveries_due" ON "webhook_deliveries"  ("status", "next_attempt_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "webhook_endpoints" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "name" character varying(100) NOT NULL, "kind" character varying(16) NOT NULL, "url_enc" bytea NOT NULL, "url_hint" character varying(300) NOT NULL, "telegram_chat_id" character varying(64), "event_types" text array NOT NULL, "enabled" boolean NOT NULL, "disabled_reason" character varying(200), "secret_enc" bytea NOT NULL, "previous_secret_enc" bytea, "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE, "consecutive_failures" integer NOT NULL DEFAULT \'0\', "cursor_tx_id" bigint NOT NULL, "cursor_id" bigint NOT NULL, "created_by" character varying(160) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_054c4cfb95223732f5939d2d546" PRIMARY KEY ("id"))',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "webhook_endpoints"');
    await queryRunner.query('DROP INDEX "public"."IDX_webhook_deliveries_due"');
    await queryRunner.query('DROP INDEX "public"."IDX_webhook_deliveries_endpoint"');
    await queryRunner.query('DROP INDEX "public"."UQ_webhook_deliveries_event"');
    await queryRunner.query('DROP TABLE "webhook_deliveries"');
  }
}
