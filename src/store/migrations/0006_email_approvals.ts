// E-mail approvals: approval links are single use, and requesters are mailed on grant and end.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per redeemed approval link (its token id, never the token), kept until the link
  // expires (epoch ms), then pruned: an expired link is refused anyway.
  await db.schema
    .createTable('email_link_uses')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .addColumn('used_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('email_link_uses_expires_at').on('email_link_uses').column('expires_at').execute();

  // How far the requester mailer has read the audit log (the last seq it handled). It starts at
  // the end of the log as it is now: an upgraded server mails nobody about the past.
  await db.schema
    .createTable('email_cursor')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO email_cursor (name, seq, updated_at) SELECT 'requester-mail', coalesce(max(seq), 0), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM audit_log`.execute(db);
}
