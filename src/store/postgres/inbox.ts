// workflow_inbox on PostgreSQL: the statements of ../inbox.ts in PostgreSQL's dialect.
import { toIso, type Clock } from '../../core/index.js';
import { RecordNotFound } from '../errors.js';
import type { WorkflowInboxTable } from '../schema.js';
import type { Store } from '../types.js';
import type { Sql } from './sql.js';

type PendingRow = Omit<WorkflowInboxTable, 'consumed_at'>;

export function inboxRepository(db: Sql, clock: Clock): Store['inbox'] {
  return {
    async append(instanceId, event) {
      const { rows } = await db.query<{ seq: number }>('INSERT INTO workflow_inbox (instance_id, event, created_at) VALUES ($1, $2, $3) RETURNING seq', [
        instanceId,
        JSON.stringify(event),
        toIso(clock.now()),
      ]);
      return rows[0]!.seq;
    },

    async listPending(instanceId) {
      const { rows } =
        instanceId === undefined
          ? await db.query<PendingRow>('SELECT seq, instance_id, event, created_at FROM workflow_inbox WHERE consumed_at IS NULL ORDER BY instance_id, seq')
          : await db.query<PendingRow>('SELECT seq, instance_id, event, created_at FROM workflow_inbox WHERE instance_id = $1 AND consumed_at IS NULL ORDER BY seq', [instanceId]);
      return rows.map((row) => ({ seq: row.seq, instance_id: row.instance_id, event: JSON.parse(row.event) as unknown, created_at: row.created_at }));
    },

    async markConsumed(seq) {
      const { rowCount } = await db.query('UPDATE workflow_inbox SET consumed_at = $1 WHERE seq = $2 AND consumed_at IS NULL', [toIso(clock.now()), seq]);
      if (rowCount > 0) return;
      const { rows } = await db.query('SELECT 1 FROM workflow_inbox WHERE seq = $1', [seq]);
      if (rows.length === 0) throw new RecordNotFound('inbox_event', String(seq));
    },
  };
}
