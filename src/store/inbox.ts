// workflow_inbox: events (approvals, revocations, ...) waiting for a workflow instance. Appended
// in the same transaction as whatever caused them, consumed once by the runtime; never deleted
// here, so what an instance received stays inspectable.
import type BetterSqlite3 from 'better-sqlite3';
import { toIso, type Clock } from '../core/index.js';
import { RecordNotFound } from './errors.js';
import type { WorkflowInboxTable } from './schema.js';
import type { SyncRepository } from './statements.js';
import type { Store } from './types.js';

export function inboxRepository(db: BetterSqlite3.Database, clock: Clock): SyncRepository<Store['inbox']> {
  const append = db.prepare('INSERT INTO workflow_inbox (instance_id, event, created_at) VALUES (?, ?, ?)');
  const listPending = db.prepare(
    'SELECT seq, instance_id, event, created_at FROM workflow_inbox WHERE instance_id = ? AND consumed_at IS NULL ORDER BY seq',
  );
  // Ordered by instance so the partial index of pending events serves it (no table scan).
  const listAllPending = db.prepare(
    'SELECT seq, instance_id, event, created_at FROM workflow_inbox WHERE consumed_at IS NULL ORDER BY instance_id, seq',
  );
  const markConsumed = db.prepare('UPDATE workflow_inbox SET consumed_at = ? WHERE seq = ? AND consumed_at IS NULL');
  const exists = db.prepare('SELECT 1 FROM workflow_inbox WHERE seq = ?').pluck();

  return {
    /** Returns the event's seq; seqs increase in append order and are never reused. */
    append(instanceId, event) {
      // seq is the rowid (INTEGER PRIMARY KEY), so lastInsertRowid is the new seq.
      return Number(append.run(instanceId, JSON.stringify(event), toIso(clock.now())).lastInsertRowid);
    },

    /** Unconsumed events of one instance (or of all, by instance), in append order. */
    listPending(instanceId) {
      const rows = (instanceId === undefined ? listAllPending.all() : listPending.all(instanceId)) as Omit<WorkflowInboxTable, 'consumed_at'>[];
      return rows.map((row) => ({ seq: row.seq, instance_id: row.instance_id, event: JSON.parse(row.event) as unknown, created_at: row.created_at }));
    },

    /** Idempotent: consuming an event twice keeps the first consumed_at. */
    markConsumed(seq) {
      if (markConsumed.run(toIso(clock.now()), seq).changes > 0) return;
      if (exists.get(seq) === undefined) throw new RecordNotFound('inbox_event', String(seq));
    },
  };
}
