// audit_cursors: how far each audit forwarder's receiver has acknowledged the log. A forwarder
// reads after its position and advances it only once the receiver took the batch, so a crash
// re-sends (at least once), never skips.
import type BetterSqlite3 from 'better-sqlite3';
import { toIso, type Clock } from '../core/index.js';
import type { SyncRepository } from './statements.js';
import type { AuditCursorRow, Store } from './types.js';

export function auditCursorsRepository(db: BetterSqlite3.Database, clock: Clock): SyncRepository<Store['auditCursors']> {
  const get = db.prepare('SELECT seq FROM audit_cursors WHERE name = ?').pluck();
  const advance = db.prepare(
    `INSERT INTO audit_cursors (name, seq, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET seq = max(seq, excluded.seq), updated_at = excluded.updated_at`,
  );
  const list = db.prepare('SELECT name, seq, updated_at FROM audit_cursors ORDER BY name');
  return {
    get(name) {
      return (get.get(name) as number | undefined) ?? null;
    },
    advance(name, seq) {
      advance.run(name, seq, toIso(clock.now()));
    },
    list() {
      return list.all() as AuditCursorRow[];
    },
  };
}
