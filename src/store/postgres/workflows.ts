// workflow_instances on PostgreSQL: the statements of ../workflows.ts in PostgreSQL's dialect.
import { toIso, type Clock } from '../../core/index.js';
import { RecordExists, RecordNotFound } from '../errors.js';
import type { WorkflowInstancesTable } from '../schema.js';
import type { Store } from '../types.js';
import { fromRow } from '../workflows.js';
import type { Sql } from './sql.js';

const LIST_DUE = `SELECT * FROM workflow_instances WHERE status = 'running' AND wake_at <= $1 ORDER BY wake_at, id`;

export function workflowsRepository(db: Sql, clock: Clock): Store['workflows'] {
  const all = async (text: string, values: unknown[] = []) => (await db.query<WorkflowInstancesTable>(text, values)).rows.map(fromRow);
  return {
    async insert(record) {
      const { rowCount } = await db.query(
        `INSERT INTO workflow_instances (id, workflow, state, status, wake_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [record.id, record.workflow, JSON.stringify(record.state), record.status, record.wake_at, record.updated_at, record.updated_at],
      );
      if (rowCount === 0) throw new RecordExists('workflow_instance', record.id);
    },

    async get(id) {
      return (await all('SELECT * FROM workflow_instances WHERE id = $1', [id]))[0];
    },

    async save(id, patch) {
      const { rowCount } = await db.query('UPDATE workflow_instances SET state = $1, status = $2, wake_at = $3, updated_at = $4 WHERE id = $5', [
        JSON.stringify(patch.state),
        patch.status,
        patch.wake_at,
        toIso(clock.now()),
        id,
      ]);
      if (rowCount === 0) throw new RecordNotFound('workflow_instance', id);
    },

    listOpen: () => all(`SELECT * FROM workflow_instances WHERE status = 'running' ORDER BY created_at, id`),

    listOpenAfter: (afterId, limit) => all(`SELECT * FROM workflow_instances WHERE status = 'running' AND id > $1 ORDER BY id LIMIT $2`, [afterId ?? '', limit]),

    listDue: (nowMs, limit) => (limit === undefined ? all(LIST_DUE, [nowMs]) : all(`${LIST_DUE} LIMIT $2`, [nowMs, limit])),

    async nextWakeAt() {
      const { rows } = await db.query<{ min: number | null }>(`SELECT min(wake_at) AS min FROM workflow_instances WHERE status = 'running'`);
      return rows[0]?.min ?? null;
    },
  };
}
