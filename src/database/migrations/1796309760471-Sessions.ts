import { MigrationInterface, QueryRunner } from 'typeorm';

export class Sessions1796309760471 implements MigrationInterface {
  name = 'Sessions1796309760471';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "auth_sessions" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "user_id" uuid NOT NULL, "method" character varying(16) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_reason" character varying(32), "user_agent" character varying(256), "ip_address" character varying(64), CONSTRAINT "PK_641507381f32580e8479efc36cd" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_auth_sessions_user_created" ON "auth_sessions"  ("user_id", "created_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "auth_refresh_tokens" ("token_hash" character varying(64) NOT NULL, "session_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_95e0bce05491b0dee2f28ffd112" PRIMARY KEY ("token_hash"))',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_auth_refresh_tokens_session" ON "auth_refresh_tokens"  ("session_id") ',
    );
    await queryRunner.query(
      'ALTER TABLE "auth_sessions" ADD CONSTRAINT "FK_50ccaa6440288a06f0ba693ccc6" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "auth_refresh_tokens" ADD CONSTRAINT "FK_61b00011da0ac93bf960edcfc5b" FOREIGN KEY ("session_id") REFERENCES "auth_sessions"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "auth_refresh_tokens" DROP CONSTRAINT "FK_61b00011da0ac93bf960edcfc5b"',
    );
    await queryRunner.query('ALTER TABLE "auth_sessions" DROP CONSTRAINT "FK_50ccaa6440288a06f0ba693ccc6"');
    await queryRunner.query('DROP INDEX "public"."IDX_auth_refresh_tokens_session"');
    await queryRunner.query('DROP TABLE "auth_refresh_tokens"');
    await queryRunner.query('DROP INDEX "public"."IDX_auth_sessions_user_created"');
    await queryRunner.query('DROP TABLE "auth_sessions"');
  }
}
