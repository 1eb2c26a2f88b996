// Logins in progress shared by every replica (SQLite's 0010_pending_logins): browser login
// attempts and device logins. Bearer values are stored only as their SHA-256; rows are pruned
// once expired.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE login_attempts (
      id_hash text COLLATE "C" PRIMARY KEY,
      state_hash text COLLATE "C" UNIQUE,
      provider text COLLATE "C" NOT NULL,
      redirect text NOT NULL,
      method text COLLATE "C",
      sealed_checks text NOT NULL,
      expires_at bigint NOT NULL,
      identity text,
      code_hash text COLLATE "C",
      code_expires_at bigint
    );
    CREATE INDEX login_attempts_expires_at ON login_attempts (expires_at);

    CREATE TABLE device_logins (
      device_code_hash text COLLATE "C" PRIMARY KEY,
      user_code_hash text COLLATE "C" UNIQUE,
      ref_hash text COLLATE "C" UNIQUE,
      provider text COLLATE "C" NOT NULL,
      status text COLLATE "C" NOT NULL,
      expires_at bigint NOT NULL,
      interval_ms bigint NOT NULL,
      last_poll_at bigint,
      slowed_at bigint,
      attempt_hash text COLLATE "C",
      identity text
    );
    CREATE INDEX device_logins_expires_at ON device_logins (expires_at);
  `.execute(db);
}
