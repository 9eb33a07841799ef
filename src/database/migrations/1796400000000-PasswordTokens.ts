import { MigrationInterface, QueryRunner } from 'typeorm';

export class PasswordTokens1796400000000 implements MigrationInterface {
  name = 'PasswordTokens1796400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "auth_password_tokens" ("token_hash" character varying(64) NOT NULL, "user_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_67b9315d1bf0bba64de6bdf8a44" PRIMARY KEY ("token_hash"))',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_auth_password_tokens_user" ON "auth_password_tokens"  ("user_id") ',
    );
    await queryRunner.query(
      'ALTER TABLE "auth_password_tokens" ADD CONSTRAINT "FK_4f7d0a9e0724627d94252887dd6" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "auth_password_tokens" DROP CONSTRAINT "FK_4f7d0a9e0724627d94252887dd6"',
    );
    await queryRunner.query('DROP INDEX "public"."IDX_auth_password_tokens_user"');
    await queryRunner.query('DROP TABLE "auth_password_tokens"');
  }
}
