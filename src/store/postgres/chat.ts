// Chat state on PostgreSQL: the statements of ../chat.ts in PostgreSQL's dialect.
import { toIso, type Clock } from '../../core/index.js';
import type { LeaseNoticeRow, NotificationMessageRow, Store } from '../types.js';
import type { Sql } from './sql.js';

export function notificationMessagesRepository(db: Sql, clock: Clock): Store['notificationMessages'] {
  return {
    async record(row) {
      await db.query(
        `INSERT INTO notification_messages (request_id, provider, channel, message_id, purpose, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (request_id, provider, channel, message_id) DO NOTHING`,
        [row.request_id, row.provider, row.channel, row.message_id, row.purpose ?? 'request', toIso(clock.now())],
      );
    },
    async list(requestId) {
      const { rows } = await db.query<NotificationMessageRow>(
        'SELECT request_id, provider, channel, message_id, purpose, created_at FROM notification_messages WHERE request_id = $1 ORDER BY created_at, message_id',
        [requestId],
      );
      return rows;
    },
  };
}

export function seenCallbacksRepository(db: Sql, clock: Clock): Store['seenCallbacks'] {
  return {
    async claim(key, expiresAtMs) {
      await db.query('DELETE FROM seen_callbacks WHERE expires_at <= $1', [clock.now()]);
      const { rowCount } = await db.query('INSERT INTO seen_callbacks (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, expiresAtMs]);
      return rowCount === 1;
    },
  };
}

export function leaseNoticesRepository(db: Sql): Store['leaseNotices'] {
  return {
    async schedule(row) {
      await db.query(
        `INSERT INTO lease_notices (request_id, provider, kind, due_at, attempts) VALUES ($1, $2, $3, $4, 0)
         ON CONFLICT (request_id, provider, kind) DO NOTHING`,
        [row.request_id, row.provider, row.kind, row.due_at],
      );
    },
    async listDue(nowMs, limit = 50) {
      const { rows } = await db.query<LeaseNoticeRow>('SELECT request_id, provider, kind, due_at, attempts FROM lease_notices WHERE due_at <= $1 ORDER BY due_at LIMIT $2', [nowMs, limit]);
      return rows;
    },
    async nextDueAt() {
      const { rows } = await db.query<{ min: number | null }>('SELECT min(due_at) AS min FROM lease_notices');
      return rows[0]?.min ?? null;
    },
    async reschedule(row, dueAtMs, attempts) {
      await db.query('UPDATE lease_notices SET due_at = $1, attempts = $2 WHERE request_id = $3 AND provider = $4 AND kind = $5', [dueAtMs, attempts, row.request_id, row.provider, row.kind]);
    },
    async remove(row) {
      await db.query('DELETE FROM lease_notices WHERE request_id = $1 AND provider = $2 AND kind = $3', [row.request_id, row.provider, row.kind]);
    },
  };
}
