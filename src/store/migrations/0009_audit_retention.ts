// Audit forwarding and retention: each forwarder's position in the log, and signed checkpoints
// that let the log be pruned without breaking the verification of what remains.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The last seq each forwarder's receiver acknowledged. It only moves forward; a forwarder
  // added later starts at 0 and gets the whole log.
  await db.schema
    .createTable('audit_cursors')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // One row per prune: the last pruned entry (seq, hash, time) and a signature over them with
  // the audit checkpoint key. Verification starts after the latest checkpoint.
  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('ts', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .execute();
  await sql`CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
    BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END`.execute(db);
  await sql`CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
    BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END`.execute(db);

  // Deleting audit entries is allowed only for entries a checkpoint covers (seq at or below the
  // latest checkpoint's): pruning writes the checkpoint first, in the same transaction. Every
  // other DELETE, and every UPDATE, is still refused.
  await sql`DROP TRIGGER audit_log_no_delete`.execute(db);
  await sql`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    WHEN OLD.seq > (SELECT coalesce(max(seq), 0) FROM audit_checkpoints)
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`.execute(db);
}
