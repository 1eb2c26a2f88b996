// host_tasks on PostgreSQL: the statements of ../host-tasks.ts in PostgreSQL's dialect.
import { toIso, type Clock } from '../../core/index.js';
import { RecordNotFound } from '../errors.js';
import { fromRow } from '../host-tasks.js';
import type { HostTasksTable } from '../schema.js';
import type { Store } from '../types.js';
import type { Sql } from './sql.js';

export function hostTasksRepository(db: Sql, clock: Clock): Store['hostTasks'] {
  const one = async (text: string, values: unknown[]) => {
    const { rows } = await db.query<HostTasksTable>(text, values);
    return rows[0] && fromRow(rows[0]);
  };
  const mustExist = async (id: string, changes: number) => {
    if (changes > 0) return;
    const { rows } = await db.query('SELECT 1 FROM host_tasks WHERE id = $1', [id]);
    if (rows.length === 0) throw new RecordNotFound('host_task', id);
  };

  return {
    async insert(r) {
      await db.query(
        `INSERT INTO host_tasks (id, key, host, provider, kind, request_id, payload, status, attempt, claimed_until, deliver_before, result, error, created_at, updated_at, completed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, NULL, NULL, $11, $12, NULL)`,
        [r.id, r.key, r.host, r.provider, r.kind, r.request_id, JSON.stringify(r.payload), r.status, r.attempt, r.deliver_before, r.created_at, r.updated_at],
      );
    },

    get: (id) => one('SELECT * FROM host_tasks WHERE id = $1', [id]),

    getByKey: (key) => one('SELECT * FROM host_tasks WHERE key = $1', [key]),

    async rearm(id, patch) {
      const { rowCount } = await db.query(
        `UPDATE host_tasks SET status = 'pending', attempt = $1, payload = $2, deliver_before = $3, claimed_until = NULL, result = NULL, error = NULL, completed_at = NULL, updated_at = $4
         WHERE id = $5`,
        [patch.attempt, JSON.stringify(patch.payload), patch.deliver_before, toIso(clock.now()), id],
      );
      await mustExist(id, rowCount);
    },

    async refresh(id, patch) {
      const { rowCount } = await db.query(`UPDATE host_tasks SET payload = $1, deliver_before = $2, updated_at = $3 WHERE id = $4 AND status = 'pending'`, [
        JSON.stringify(patch.payload),
        patch.deliver_before,
        toIso(clock.now()),
        id,
      ]);
      await mustExist(id, rowCount);
    },

    /** One statement: tasks another replica is claiming right now are skipped, never handed out twice. */
    async claim(host, nowMs, claimUntil, limit) {
      const { rows } = await db.query<HostTasksTable>(
        `UPDATE host_tasks SET claimed_until = $1 WHERE id IN (
           SELECT id FROM host_tasks WHERE host = $2 AND status = 'pending'
             AND (claimed_until IS NULL OR claimed_until <= $3) AND (deliver_before IS NULL OR deliver_before > $3)
           ORDER BY created_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [claimUntil, host, nowMs, limit],
      );
      // RETURNING has no order: oldest first, as the SELECT chose them.
      return rows.sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? -1 : 1) : a.created_at < b.created_at ? -1 : 1)).map(fromRow);
    },

    async release(host) {
      const { rowCount } = await db.query(`UPDATE host_tasks SET claimed_until = NULL WHERE host = $1 AND status = 'pending' AND claimed_until IS NOT NULL`, [host]);
      return rowCount;
    },

    async complete(id, attempt, outcome) {
      const now = toIso(clock.now());
      const result = outcome.status === 'done' ? JSON.stringify(outcome.result ?? null) : null;
      const error = outcome.status === 'failed' ? JSON.stringify(outcome.error) : null;
      const { rowCount } = await db.query(
        `UPDATE host_tasks SET status = $1, result = $2, error = $3, completed_at = $4, updated_at = $4, claimed_until = NULL
         WHERE id = $5 AND attempt = $6 AND status = 'pending'`,
        [outcome.status, result, error, now, id, attempt],
      );
      await mustExist(id, rowCount);
      return rowCount > 0;
    },
  };
}
