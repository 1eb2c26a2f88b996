// What a posted message is for: an approval request (its buttons decide) or a direct message to
// the requester about their lease (its buttons extend). A click is accepted only on a message of
// the purpose its button belongs to; approval messages are the ones refreshed after a decision.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('notification_messages').addColumn('purpose', 'text', (c) => c.notNull().defaultTo('request')).execute();
}
