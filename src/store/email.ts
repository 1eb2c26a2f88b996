// E-mail approvals' state: which approval links were used (single use) and how far the
// requester mailer has read the audit log. Link tokens are never stored, only their ids.
import type BetterSqlite3 from 'better-sqlite3';
import { toIso, type Clock } from '../core/index.js';
import type { SyncRepository } from './statements.js';
import type { Store } from './types.js';

export function emailRepository(db: BetterSqlite3.Database, clock: Clock): SyncRepository<Store['email']> {
  const prune = db.prepare('DELETE FROM email_link_uses WHERE expires_at <= ?');
  const redeem = db.prepare('INSERT INTO email_link_uses (jti, expires_at, used_at) VALUES (?, ?, ?) ON CONFLICT (jti) DO NOTHING');
  const used = db.prepare('SELECT EXISTS (SELECT 1 FROM email_link_uses WHERE jti = ?)').pluck();
  const cursor = db.prepare('SELECT seq FROM email_cursor WHERE name = ?').pluck();
  const setCursor = db.prepare(
    `INSERT INTO email_cursor (name, seq, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET seq = max(seq, excluded.seq), updated_at = excluded.updated_at`,
  );

  return {
    redeemLink(jti, expiresAtMs) {
      prune.run(clock.now());
      // Kept at least a minute past now, so a link redeemed right at its expiry still counts as used.
      return redeem.run(jti, Math.max(expiresAtMs, clock.now() + 60_000), toIso(clock.now())).changes === 1;
    },

    linkUsed(jti) {
      return used.get(jti) === 1;
    },

    cursor(name) {
      const seq = cursor.get(name) as number | undefined;
      return seq ?? null;
    },

    setCursor(name, seq) {
      setCursor.run(name, seq, toIso(clock.now()));
    },
  };
}
