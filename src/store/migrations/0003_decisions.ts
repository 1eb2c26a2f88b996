// Approval decisions: who approved or denied which request, when and through which channel.
// One row per (request, approver): an approver decides once. lease.authorize counts these rows
// (not the workflow's events) before it grants a role that names approvers.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('decisions')
    .addColumn('request_id', 'text', (c) => c.notNull())
    // `<identity provider>:<subject>` of the approver.
    .addColumn('approver', 'text', (c) => c.notNull())
    // The approver's identity (JSON) as their session gave it, so the rules can be checked again at grant time.
    .addColumn('identity', 'text', (c) => c.notNull())
    .addColumn('approved', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('decisions_pk', ['request_id', 'approver'])
    .addForeignKeyConstraint('decisions_request_fk', ['request_id'], 'requests', ['id'], (fk) => fk.deferrable().initiallyDeferred())
    .execute();
}
