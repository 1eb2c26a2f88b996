// The login throttle, shared by every server replica: failed attempts (password logins per user
// and address, device user-code guesses) and the paced turns of a user under attack. Keys are
// SHA-256 digests (a mistyped username may be a password); rows are pruned once expired.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per failure, kept until it leaves its window (epoch ms).
  await db.schema
    .createTable('login_failures')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('at', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('login_failures_key_at').on('login_failures').columns(['key', 'at']).execute();
  await db.schema.createIndex('login_failures_expires_at').on('login_failures').column('expires_at').execute();

  // Per user under attack: the earliest time (epoch ms) the next paced attempt may run.
  await db.schema
    .createTable('login_pacing')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('next_slot', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('login_pacing_next_slot').on('login_pacing').column('next_slot').execute();
}
