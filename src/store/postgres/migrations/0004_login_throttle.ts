// The login throttle shared by every replica (SQLite's 0011_login_throttle): failed attempts
// and the paced turns of a user under attack. Keys are SHA-256 digests; rows are pruned once expired.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE login_failures (
      key text COLLATE "C" NOT NULL,
      at bigint NOT NULL,
      expires_at bigint NOT NULL
    );
    CREATE INDEX login_failures_key_at ON login_failures (key, at);
    CREATE INDEX login_failures_expires_at ON login_failures (expires_at);

    CREATE TABLE login_pacing (
      key text COLLATE "C" PRIMARY KEY,
      next_slot bigint NOT NULL
    );
    CREATE INDEX login_pacing_next_slot ON login_pacing (next_slot);
  `.execute(db);
}
