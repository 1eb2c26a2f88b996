// Ended sessions. Session tokens are not stored, so a session is ended by remembering its id
// (`jti`) until the token expires, or all of one identity's at once by a not-before time.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per logged-out session, kept until its token expires (epoch ms), then pruned.
  await db.schema
    .createTable('revoked_sessions')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .addColumn('revoked_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('revoked_sessions_expires_at').on('revoked_sessions').column('expires_at').execute();

  // One row per identity (provider, user id) whose sessions an administrator ended: every
  // session issued at or before not_before (epoch ms) is refused.
  await db.schema
    .createTable('identity_session_cutoffs')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('not_before', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_session_cutoffs_pk', ['provider', 'user_id'])
    .execute();
}
