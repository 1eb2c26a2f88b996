// Audit forwarding and retention (SQLite's 0009_audit_retention): each forwarder's position, and
// signed checkpoints that let the log be pruned without breaking the verification of the rest.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE audit_cursors (
      name text COLLATE "C" PRIMARY KEY,
      seq bigint NOT NULL,
      updated_at text COLLATE "C" NOT NULL
    );

    CREATE TABLE audit_checkpoints (
      seq bigint PRIMARY KEY,
      hash text NOT NULL,
      ts text COLLATE "C" NOT NULL,
      created_at text COLLATE "C" NOT NULL,
      key_id text NOT NULL,
      signature text NOT NULL
    );
    CREATE FUNCTION audit_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_checkpoints is append-only' USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$;
    CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_append_only();
    CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_append_only();
    CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_append_only();

    -- Deleting audit entries is allowed only for entries a checkpoint covers (pruning writes the
    -- checkpoint first). Every other DELETE, every UPDATE and TRUNCATE are still refused.
    CREATE FUNCTION audit_log_delete_covered_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.seq > (SELECT coalesce(max(seq), 0) FROM audit_checkpoints) THEN
        RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN OLD;
    END;
    $$;
    DROP TRIGGER audit_log_no_delete ON audit_log;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_delete_covered_only();
  `.execute(db);
}
