// grants: what each provider did for a request — enough to undo it. A row is active until
// revoked_at is set; the reconciler compares the active rows with what providers report.
import type BetterSqlite3 from 'better-sqlite3';
import { RecordNotFound } from './errors.js';
import type { GrantsTable } from './schema.js';
import type { SyncRepository } from './statements.js';
import type { GrantRow, Store } from './types.js';

export function grantsRepository(db: BetterSqlite3.Database): SyncRepository<Store['grants']> {
  const get = db.prepare('SELECT * FROM grants WHERE request_id = ? AND provider = ?');
  // A second grant for the same (request, provider) replaces the first and is active again.
  const upsert = db.prepare(
    `INSERT INTO grants (request_id, provider, record, granted_at, revoked_at) VALUES (?, ?, ?, ?, NULL)
     ON CONFLICT (request_id, provider) DO UPDATE SET record = excluded.record, granted_at = excluded.granted_at, revoked_at = NULL`,
  );
  const markRevoked = db.prepare('UPDATE grants SET revoked_at = ? WHERE request_id = ? AND provider = ? AND revoked_at IS NULL');
  const exists = db.prepare('SELECT 1 FROM grants WHERE request_id = ? AND provider = ?').pluck();
  const listActive = db.prepare('SELECT * FROM grants WHERE revoked_at IS NULL ORDER BY granted_at, request_id, provider');

  return {
    get(requestId, provider) {
      const row = get.get(requestId, provider) as GrantsTable | undefined;
      return row && fromRow(row);
    },

    upsert(row) {
      upsert.run(row.request_id, row.provider, JSON.stringify(row.record), row.granted_at);
    },

    /** Idempotent: revoking twice keeps the first revoked_at. */
    markRevoked(requestId, provider, at) {
      if (markRevoked.run(at, requestId, provider).changes > 0) return;
      if (exists.get(requestId, provider) === undefined) throw new RecordNotFound('grant', `${requestId}/${provider}`);
    },

    /** Oldest grant first. */
    listActive() {
      return (listActive.all() as GrantsTable[]).map(fromRow);
    },
  };
}

export function fromRow(row: GrantsTable): GrantRow {
  return { request_id: row.request_id, provider: row.provider, record: JSON.parse(row.record) as unknown, granted_at: row.granted_at, revoked_at: row.revoked_at };
}
