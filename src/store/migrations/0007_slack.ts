// Chat messages and requester notices (the slack provider), and the replay guard of signed
// callbacks. See ../slack.ts.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Messages a notification provider posted about a request (a Slack channel and its `ts`), so
  // they can be updated and so a click is accepted only on a message Lease posted for that request.
  await db.schema
    .createTable('notification_messages')
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_messages_pk', ['request_id', 'provider', 'channel', 'message_id'])
    .addForeignKeyConstraint('notification_messages_request_fk', ['request_id'], 'requests', ['id'], (fk) => fk.deferrable().initiallyDeferred())
    .execute();

  // Signatures (or other single-use keys) of signed callbacks already accepted, kept until they
  // would be refused as stale anyway (epoch ms), then pruned: a replay inside the window is refused.
  await db.schema
    .createTable('seen_callbacks')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('seen_callbacks_expires_at').on('seen_callbacks').column('expires_at').execute();

  // Direct messages owed to a requester (granted, expiring, ended), one per (request, provider,
  // kind), due at epoch ms: written in the same transaction as the lease's change, sent by the
  // server's notice dispatcher, deleted once sent (or given up on).
  await db.schema
    .createTable('lease_notices')
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('due_at', 'integer', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('lease_notices_pk', ['request_id', 'provider', 'kind'])
    .addForeignKeyConstraint('lease_notices_request_fk', ['request_id'], 'requests', ['id'], (fk) => fk.deferrable().initiallyDeferred())
    .execute();
  await db.schema.createIndex('lease_notices_due_at').on('lease_notices').column('due_at').execute();
}
