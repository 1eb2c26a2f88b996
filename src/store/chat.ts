// Chat state (migration 0007_slack): messages posted about requests, the replay guard of signed
// callbacks, and the direct messages owed to requesters.
import type BetterSqlite3 from 'better-sqlite3';
import { toIso, type Clock } from '../core/index.js';
import type { SyncRepository } from './statements.js';
import type { LeaseNoticeRow, NotificationMessageRow, Store } from './types.js';

export function notificationMessagesRepository(db: BetterSqlite3.Database, clock: Clock): SyncRepository<Store['notificationMessages']> {
  const insert = db.prepare(
    `INSERT INTO notification_messages (request_id, provider, channel, message_id, purpose, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (request_id, provider, channel, message_id) DO NOTHING`,
  );
  const list = db.prepare('SELECT request_id, provider, channel, message_id, purpose, created_at FROM notification_messages WHERE request_id = ? ORDER BY created_at, message_id');
  return {
    record(row) {
      insert.run(row.request_id, row.provider, row.channel, row.message_id, row.purpose ?? 'request', toIso(clock.now()));
    },
    list(requestId) {
      return list.all(requestId) as NotificationMessageRow[];
    },
  };
}

export function seenCallbacksRepository(db: BetterSqlite3.Database, clock: Clock): SyncRepository<Store['seenCallbacks']> {
  const prune = db.prepare('DELETE FROM seen_callbacks WHERE expires_at <= ?');
  const insert = db.prepare('INSERT INTO seen_callbacks (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING');
  return {
    claim(key, expiresAtMs) {
      prune.run(clock.now());
      return insert.run(key, expiresAtMs).changes === 1;
    },
  };
}

export function leaseNoticesRepository(db: BetterSqlite3.Database): SyncRepository<Store['leaseNotices']> {
  const schedule = db.prepare(
    `INSERT INTO lease_notices (request_id, provider, kind, due_at, attempts) VALUES (?, ?, ?, ?, 0)
     ON CONFLICT (request_id, provider, kind) DO NOTHING`,
  );
  const due = db.prepare('SELECT request_id, provider, kind, due_at, attempts FROM lease_notices WHERE due_at <= ? ORDER BY due_at LIMIT ?');
  const next = db.prepare('SELECT min(due_at) FROM lease_notices').pluck();
  const reschedule = db.prepare('UPDATE lease_notices SET due_at = ?, attempts = ? WHERE request_id = ? AND provider = ? AND kind = ?');
  const remove = db.prepare('DELETE FROM lease_notices WHERE request_id = ? AND provider = ? AND kind = ?');
  return {
    schedule(row) {
      schedule.run(row.request_id, row.provider, row.kind, row.due_at);
    },
    listDue(nowMs, limit = 50) {
      return due.all(nowMs, limit) as LeaseNoticeRow[];
    },
    nextDueAt() {
      return (next.get() as number | null) ?? null;
    },
    reschedule(row, dueAtMs, attempts) {
      reschedule.run(dueAtMs, attempts, row.request_id, row.provider, row.kind);
    },
    remove(row) {
      remove.run(row.request_id, row.provider, row.kind);
    },
  };
}
