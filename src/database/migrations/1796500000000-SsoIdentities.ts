import { MigrationInterface, QueryRunner } from 'typeorm';

export class SsoIdentities1796500000000 implements MigrationInterface {
  name = 'SsoIdentities1796500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "auth_sso_identities" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "user_id" uuid NOT NULL, "issuer" character varying(500) NOT NULL, "subject" character varying(255) NOT NULL, "email" character varying(320), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_sign_in_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_e9d9a20bafba2bee583423e46f4" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_auth_sso_identities_user" ON "auth_sso_identities"  ("user_id") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "UQ_auth_sso_identities_issuer_subject" ON "auth_sso_identities"  ("issuer", "subject") ',
    );
    await queryRunner.query(
      'CREATE TABLE "auth_sso_login_attempts" ("handle_hash" character varying(64) NOT NULL, "state" character varying(64) NOT NULL, "nonce" character varying(64) NOT NULL, "code_verifier" character varying(128) NOT NULL, "return_to" character varying(512) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_744e0e60ee3571b00a53174db63" PRIMARY KEY ("handle_hash"))',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_auth_sso_login_attempts_expires" ON "auth_sso_login_attempts"  ("expires_at") ',
    );
    await queryRunner.query(
      'ALTER TABLE "auth_sso_identities" ADD CONSTRAINT "FK_00d026118307f40f9dd81bfb57a" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "auth_sso_identities" DROP CONSTRAINT "FK_00d026118307f40f9dd81bfb57a"',
    );
    await queryRunner.query('DROP INDEX "public"."IDX_auth_sso_login_attempts_expires"');
    await queryRunner.query('DROP TABLE "auth_sso_login_attempts"');
    await queryRunner.query('DROP INDEX "public"."UQ_auth_sso_identities_issuer_subject"');
    await queryRunner.query('DROP INDEX "public"."IDX_auth_sso_identities_user"');
    await queryRunner.query('DROP TABLE "auth_sso_identities"');
  }
}
