import { MigrationInterface, QueryRunner } from 'typeorm';

export class Events1796309044594 implements MigrationInterface {
  name = 'Events1796309044594';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "events" ("id" BIGSERIAL NOT NULL, "tx_id" bigint NOT NULL, "type" character varying(64) NOT NULL, "subject_type" character varying(32) NOT NULL, "subject_id" character varying(255) NOT NULL, "run_id" character varying(255), "owner_principal_id" character varying(160) NOT NULL, "summary" character varying(500) NOT NULL, "data" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_40731c7151fe4be3116e45ddf73" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_events_owner_position" ON "events"  ("owner_principal_id", "tx_id", "id") ',
    );
    await queryRunner.query('CREATE INDEX "IDX_events_created_at" ON "events"  ("created_at") ');
    await queryRunner.query('CREATE UNIQUE INDEX "IDX_events_position" ON "events"  ("tx_id", "id") ');
    await queryRunner.query(
      'CREATE TABLE "event_log_horizon" ("id" smallint NOT NULL, "pruned_tx_id" bigint NOT NULL, "pruned_id" bigint NOT NULL, CONSTRAINT "PK_d94dcca97c988367a95ab11ecfc" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "stream_tickets" ("ticket_hash" character(64) NOT NULL, "principal" jsonb NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_bed1d860ad2b9d65d96c21bb8c4" PRIMARY KEY ("ticket_hash"))',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_stream_tickets_expires_at" ON "stream_tickets"  ("expires_at") ',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."IDX_stream_tickets_expires_at"');
    await queryRunner.query('DROP TABLE "stream_tickets"');
    await queryRunner.query('DROP TABLE "event_log_horizon"');
    await queryRunner.query('DROP INDEX "public"."IDX_events_position"');
    await queryRunner.query('DROP INDEX "public"."IDX_events_created_at"');
    await queryRunner.query('DROP INDEX "public"."IDX_events_owner_position"');
    await queryRunner.query('DROP TABLE "events"');
  }
}
