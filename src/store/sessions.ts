// Ended sessions (logout, an administrator ending a user's sessions). Tokens are never stored:
// a logout keeps the session's id until the token would have expired anyway; ending all of an
// identity's sessions keeps one not-before time per identity, which stays (one row per person).
import type BetterSqlite3 from 'better-sqlite3';
import { toIso, type Clock } from '../core/index.js';
import type { SyncRepository } from './statements.js';
import type { Store } from './types.js';

export function sessionsRepository(db: BetterSqlite3.Database, clock: Clock): SyncRepository<Store['sessions']> {
  const prune = db.prepare('DELETE FROM revoked_sessions WHERE expires_at <= ?');
  const revoke = db.prepare('INSERT INTO revoked_sessions (jti, expires_at, revoked_at) VALUES (?, ?, ?) ON CONFLICT (jti) DO NOTHING');
  const cutoff = db.prepare(
    `INSERT INTO identity_session_cutoffs (provider, user_id, not_before, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (provider, user_id) DO UPDATE SET not_before = max(not_before, excluded.not_before), updated_at = excluded.updated_at`,
  );
  const isRevoked = db
    .prepare(
      `SELECT EXISTS (SELECT 1 FROM revoked_sessions WHERE jti = ?)
           OR EXISTS (SELECT 1 FROM identity_session_cutoffs WHERE provider = ? AND user_id = ? AND not_before >= ?)`,
    )
    .pluck();

  return {
    revoke(jti, expiresAtMs) {
      const now = clock.now();
      prune.run(now);
      // An expired session needs no entry: its token is refused anyway.
      if (expiresAtMs > now) revoke.run(jti, expiresAtMs, toIso(now));
    },

    revokeIdentity(provider, userId, notBeforeMs) {
      cutoff.run(provider, userId, notBeforeMs, toIso(clock.now()));
    },

    isRevoked(session) {
      return isRevoked.get(session.jti, session.provider, session.user_id, session.issued_at_ms) === 1;
    },
  };
}
