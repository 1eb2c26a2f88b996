// The first schema. Migrations are append-only: never edit one that has shipped, add the next.
// They take Kysely<unknown> because a migration must not depend on today's row types.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('identity_id', 'text', (c) => c.notNull())
    .addColumn('identity', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('workflow', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('granted_at', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('ended_at', 'text')
    .addColumn('outcome', 'text')
    .execute();
  await db.schema.createIndex('requests_status').on('requests').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('requests_identity').on('requests').columns(['identity_id', 'created_at']).execute();
  await db.schema.createIndex('requests_created_at').on('requests').column('created_at').execute();

  await db.schema
    .createTable('workflow_instances')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workflow', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('wake_at', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // Serves listOpen (status = running), listDue and nextWakeAt (running, ordered by wake_at).
  await db.schema
    .createIndex('workflow_instances_status_wake_at')
    .on('workflow_instances')
    .columns(['status', 'wake_at'])
    .execute();

  // Foreign keys are DEFERRABLE INITIALLY DEFERRED: checked at commit, so inside a transaction
  // rows may be written in any order.
  await db.schema
    .createTable('workflow_inbox')
    .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('consumed_at', 'text')
    .addForeignKeyConstraint('workflow_inbox_instance_fk', ['instance_id'], 'workflow_instances', ['id'], (fk) =>
      fk.deferrable().initiallyDeferred(),
    )
    .execute();
  await db.schema
    .createIndex('workflow_inbox_pending')
    .on('workflow_inbox')
    .columns(['instance_id', 'seq'])
    .where(sql.ref('consumed_at'), 'is', null)
    .execute();

  await db.schema
    .createTable('grants')
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('record', 'text', (c) => c.notNull())
    .addColumn('granted_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addPrimaryKeyConstraint('grants_pk', ['request_id', 'provider'])
    .addForeignKeyConstraint('grants_request_fk', ['request_id'], 'requests', ['id'], (fk) =>
      fk.deferrable().initiallyDeferred(),
    )
    .execute();
  await db.schema
    .createIndex('grants_active')
    .on('grants')
    .column('granted_at')
    .where(sql.ref('revoked_at'), 'is', null)
    .execute();

  // seq is assigned by the store (last + 1) inside the appending transaction; the primary key
  // makes a forked chain impossible even if two writers raced.
  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('ts', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_subject').on('audit_log').columns(['subject', 'seq']).execute();
  // Append-only: the application never updates or deletes audit entries, so the database refuses
  // to. Tampering then needs a raw edit that drops these triggers, which verify() detects.
  await sql`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`.execute(db);
  await sql`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`.execute(db);
}
