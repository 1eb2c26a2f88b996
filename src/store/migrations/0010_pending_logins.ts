// Logins in progress, shared by every server replica on the store: browser login attempts
// (between `start` and `exchange`) and device logins (RFC 8628). Bearer values (attempt ids,
// states, exchange codes, device and user codes, page refs) are stored only as their SHA-256;
// the PKCE verifier and nonce the IdP's answer is checked against are sealed by the server.
// Rows are pruned once expired.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('login_attempts')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    // Cleared when the IdP's answer takes it: a state is used once.
    .addColumn('state_hash', 'text', (c) => c.unique())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('redirect', 'text', (c) => c.notNull())
    .addColumn('method', 'text')
    .addColumn('sealed_checks', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .addColumn('identity', 'text')
    .addColumn('code_hash', 'text')
    .addColumn('code_expires_at', 'integer')
    .execute();
  await db.schema.createIndex('login_attempts_expires_at').on('login_attempts').column('expires_at').execute();

  await db.schema
    .createTable('device_logins')
    .addColumn('device_code_hash', 'text', (c) => c.primaryKey())
    // Cleared once the login is authenticated or denied: the user code stops working.
    .addColumn('user_code_hash', 'text', (c) => c.unique())
    .addColumn('ref_hash', 'text', (c) => c.unique())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .addColumn('interval_ms', 'integer', (c) => c.notNull())
    .addColumn('last_poll_at', 'integer')
    .addColumn('slowed_at', 'integer')
    .addColumn('attempt_hash', 'text')
    .addColumn('identity', 'text')
    .execute();
  await db.schema.createIndex('device_logins_expires_at').on('device_logins').column('expires_at').execute();
}
