// The request lifecycle of issue 12: break-glass requests and their reviews, scheduled starts,
// extensions (a request that extends another), and the time an undecided request expires.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // 1 for a break-glass request (granted without approval, reviewed afterwards).
  await db.schema.alterTable('requests').addColumn('break_glass', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  // ISO-8601: the grant waits until then (a durable timer in its workflow).
  await db.schema.alterTable('requests').addColumn('start_at', 'text').execute();
  // The id of the request this one extends, for an extension.
  await db.schema.alterTable('requests').addColumn('extended_from', 'text').execute();
  // ISO-8601: a request still undecided then ends `expired` (the role's approvals.timeout).
  await db.schema.alterTable('requests').addColumn('timeout_at', 'text').execute();

  // One review per break-glass request, closed by an administrator other than its requester.
  await db.schema
    .createTable('reviews')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull().unique())
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    // `<identity provider>:<subject>` of the administrator who closed it.
    .addColumn('closed_by', 'text')
    .addColumn('comment', 'text')
    .addForeignKeyConstraint('reviews_request_fk', ['request_id'], 'requests', ['id'], (fk) => fk.deferrable().initiallyDeferred())
    .execute();
  await db.schema.createIndex('reviews_opened_at').on('reviews').column('opened_at').execute();
}
