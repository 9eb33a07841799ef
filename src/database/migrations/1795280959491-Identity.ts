import { MigrationInterface, QueryRunner } from 'typeorm';

export class Identity1795280959491 implements MigrationInterface {
  name = 'Identity1795280959491';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "api_keys" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "name" character varying(100) NOT NULL, "prefix" character varying(32) NOT NULL, "secret_hash" character varying(64) NOT NULL, "scopes" text array NOT NULL, "owner" character varying(80) NOT NULL, "created_by" character varying(80) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, "expires_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_by" character varying(80), CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "UQ_api_keys_prefix" ON "api_keys"  ("prefix") ');
    await queryRunner.query(
      'CREATE TABLE "oauth_credential_events" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "provider" character varying(32) NOT NULL, "event" character varying(24) NOT NULL, "actor" character varying(80) NOT NULL, "detail" jsonb NOT NULL DEFAULT \'{}\', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b126916061c24d429d1f7ca5cc0" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_oauth_credential_events_created_at" ON "oauth_credential_events"  ("created_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "oauth_credentials" ("provider" character varying(32) NOT NULL, "client_id" character varying(512) NOT NULL, "client_secret_enc" bytea, "client_secret_hint" character varying(16), "access_token_enc" bytea, "access_token_hint" character varying(16), "refresh_token_enc" bytea, "refresh_token_hint" character varying(16), "token_url" character varying(2048) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE, "status" character varying(24) NOT NULL, "consecutive_failures" integer NOT NULL DEFAULT \'0\', "total_failures" integer NOT NULL DEFAULT \'0\', "last_error" character varying(100), "last_refreshed_at" TIMESTAMP WITH TIME ZONE, "last_failure_at" TIMESTAMP WITH TIME ZONE, "refresh_started_at" TIMESTAMP WITH TIME ZONE, "updated_by" character varying(80) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_49dcab896b737d252065cb05aac" PRIMARY KEY ("provider"))',
    );
    await queryRunner.query(
      'CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "username" character varying(64) NOT NULL, "password_hash" character varying(255) NOT NULL, "role" character varying(16) NOT NULL, "disabled_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "UQ_users_username" ON "users"  ("username") ');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."UQ_users_username"');
    await queryRunner.query('DROP TABLE "users"');
    await queryRunner.query('DROP TABLE "oauth_credentials"');
    await queryRunner.query('DROP INDEX "public"."IDX_oauth_credential_events_created_at"');
    await queryRunner.query('DROP TABLE "oauth_credential_events"');
    await queryRunner.query('DROP INDEX "public"."UQ_api_keys_prefix"');
    await queryRunner.query('DROP TABLE "api_keys"');
  }
}
