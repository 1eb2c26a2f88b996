// Ended sessions, e-mail approval state and audit forwarders' positions on PostgreSQL: the
// statements of ../sessions.ts, ../email.ts and ../audit-cursors.ts in PostgreSQL's dialect.
import { toIso, type Clock } from '../../core/index.js';
import type { AuditCursorRow, Store } from '../types.js';
import type { Sql } from './sql.js';

export function sessionsRepository(db: Sql, clock: Clock): Store['sessions'] {
  return {
    async revoke(jti, expiresAtMs) {
      const now = clock.now();
      await db.query('DELETE FROM revoked_sessions WHERE expires_at <= $1', [now]);
      if (expiresAtMs > now) await db.query('INSERT INTO revoked_sessions (jti, expires_at, revoked_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING', [jti, expiresAtMs, toIso(now)]);
    },

    async revokeIdentity(provider, userId, notBeforeMs) {
      await db.query(
        `INSERT INTO identity_session_cutoffs (provider, user_id, not_before, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (provider, user_id) DO UPDATE SET not_before = greatest(identity_session_cutoffs.not_before, excluded.not_before), updated_at = excluded.updated_at`,
        [provider, userId, notBeforeMs, toIso(clock.now())],
      );
    },

    async isRevoked(session) {
      const { rows } = await db.query<{ revoked: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM revoked_sessions WHERE jti = $1)
             OR EXISTS (SELECT 1 FROM identity_session_cutoffs WHERE provider = $2 AND user_id = $3 AND not_before >= $4) AS revoked`,
        [session.jti, session.provider, session.user_id, session.issued_at_ms],
      );
      return rows[0]?.revoked === true;
    },
  };
}

export function emailRepository(db: Sql, clock: Clock): Store['email'] {
  return {
    async redeemLink(jti, expiresAtMs) {
      await db.query('DELETE FROM email_link_uses WHERE expires_at <= $1', [clock.now()]);
      const { rowCount } = await db.query('INSERT INTO email_link_uses (jti, expires_at, used_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING', [
        jti,
        Math.max(expiresAtMs, clock.now() + 60_000),
        toIso(clock.now()),
      ]);
      return rowCount === 1;
    },

    async linkUsed(jti) {
      const { rows } = await db.query('SELECT 1 FROM email_link_uses WHERE jti = $1', [jti]);
      return rows.length > 0;
    },

    async cursor(name) {
      const { rows } = await db.query<{ seq: number }>('SELECT seq FROM email_cursor WHERE name = $1', [name]);
      return rows[0]?.seq ?? null;
    },

    async setCursor(name, seq) {
      await db.query(
        `INSERT INTO email_cursor (name, seq, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET seq = greatest(email_cursor.seq, excluded.seq), updated_at = excluded.updated_at`,
        [name, seq, toIso(clock.now())],
      );
    },
  };
}

export function auditCursorsRepository(db: Sql, clock: Clock): Store['auditCursors'] {
  return {
    async get(name) {
      const { rows } = await db.query<{ seq: number }>('SELECT seq FROM audit_cursors WHERE name = $1', [name]);
      return rows[0]?.seq ?? null;
    },
    async advance(name, seq) {
      await db.query(
        `INSERT INTO audit_cursors (name, seq, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET seq = greatest(audit_cursors.seq, excluded.seq), updated_at = excluded.updated_at`,
        [name, seq, toIso(clock.now())],
      );
    },
    async list() {
      const { rows } = await db.query<AuditCursorRow>('SELECT name, seq, updated_at FROM audit_cursors ORDER BY name');
      return rows;
    },
  };
}
