import { MigrationInterface, QueryRunner } from 'typeorm';

/** The audit chain's genesis `prev_hash` (GENESIS_HASH), spelled out: a migration must not change with the code. */
const GENESIS = '0'.repeat(64);

export class AuditLog1795281010044 implements MigrationInterface {
  name = 'AuditLog1795281010044';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "audit_chain_head" ("id" smallint NOT NULL, "position" bigint NOT NULL, "hash" character(64) NOT NULL, CONSTRAINT "PK_9211408bf584034de409b1bbec5" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "audit_events" ("position" bigint NOT NULL, "event_id" uuid NOT NULL, "occurred_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "event_type" character varying(64) NOT NULL, "actor_kind" character varying(16) NOT NULL, "actor_id" text NOT NULL, "actor_name" text NOT NULL, "subject_type" character varying(32) NOT NULL, "subject_id" text NOT NULL, "run_id" text, "phase_id" text, "details" jsonb NOT NULL, "request_id" text, "prev_hash" character(64) NOT NULL, "hash" character(64) NOT NULL, CONSTRAINT "PK_ad96e3667423271c93fc9bc8d57" PRIMARY KEY ("position"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "IDX_c51af20537d07624e00f371d43" ON "audit_events"  ("event_id") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "IDX_8e80383ffc0b47e22ac7bfda9d" ON "audit_events"  ("prev_hash") ',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_4e139cc590fd5127ecc451472e" ON "audit_events"  ("occurred_at") ',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_26e7bd5e532dba96a1425589c8" ON "audit_events"  ("run_id", "position") ',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_99973c0d383210235665447c29" ON "audit_events"  ("actor_id", "position") ',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_c1452022392123aa573e1fd876" ON "audit_events"  ("subject_type", "subject_id", "position") ',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_69df26cdac64ffe0b1bb918322" ON "audit_events"  ("event_type", "position") ',
    );
    // Not expressible in entities (the schema builder ignores triggers and data), so written by hand.
    await queryRunner.query(
      `INSERT INTO "audit_chain_head" ("id", "position", "hash") VALUES (1, 0, '${GENESIS}')`,
    );
    await queryRunner.query(`
      CREATE FUNCTION audit_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the audit log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(
      'CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON "audit_events" FOR EACH ROW EXECUTE FUNCTION audit_reject_change()',
    );
    await queryRunner.query(
      'CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON "audit_events" FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change()',
    );
    await queryRunner.query(
      'CREATE TRIGGER audit_chain_head_keep BEFORE DELETE ON "audit_chain_head" FOR EACH ROW EXECUTE FUNCTION audit_reject_change()',
    );
    await queryRunner.query(
      'CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON "audit_chain_head" FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change()',
    );
    // The head only ever moves one step forward: it cannot be wound back to hide a deleted tail.
    await queryRunner.query(
      'CREATE TRIGGER audit_chain_head_forward_only BEFORE UPDATE ON "audit_chain_head" FOR EACH ROW WHEN (NEW.id <> OLD.id OR NEW.position <> OLD.position + 1) EXECUTE FUNCTION audit_reject_change()',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Dropping the tables drops their triggers; the shared function goes once nothing uses it.
    await queryRunner.query('DROP INDEX "public"."IDX_69df26cdac64ffe0b1bb918322"');
    await queryRunner.query('DROP INDEX "public"."IDX_c1452022392123aa573e1fd876"');
    await queryRunner.query('DROP INDEX "public"."IDX_99973c0d383210235665447c29"');
    await queryRunner.query('DROP INDEX "public"."IDX_26e7bd5e532dba96a1425589c8"');
    await queryRunner.query('DROP INDEX "public"."IDX_4e139cc590fd5127ecc451472e"');
    await queryRunner.query('DROP INDEX "public"."IDX_8e80383ffc0b47e22ac7bfda9d"');
    await queryRunner.query('DROP INDEX "public"."IDX_c51af20537d07624e00f371d43"');
    await queryRunner.query('DROP TABLE "audit_events"');
    await queryRunner.query('DROP TABLE "audit_chain_head"');
    await queryRunner.query('DROP FUNCTION audit_reject_change()');
  }
}
