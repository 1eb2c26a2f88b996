// workflow_instances: one checkpoint per workflow instance, overwritten after every step.
// `wake_at` (epoch ms) is what the scheduler polls; only running instances ever wake.
import type { Kysely, Selectable } from 'kysely';
import { toIso, type Clock } from '../core/index.js';
import { isUniqueViolation, RecordExists, RecordNotFound } from './errors.js';
import type { Schema, WorkflowInstancesTable } from './schema.js';
import type { Store, WorkflowInstanceRecord } from './types.js';

type WorkflowRow = Selectable<WorkflowInstancesTable>;

const OPEN: WorkflowInstanceRecord['status'] = 'running';

export function workflowsRepository(db: Kysely<Schema>, clock: Clock): Store['workflows'] {
  return {
    async insert(record) {
      try {
        await db
          .insertInto('workflow_instances')
          .values({
            id: record.id,
            workflow: record.workflow,
            state: JSON.stringify(record.state),
            status: record.status,
            wake_at: record.wake_at,
            created_at: record.updated_at,
            updated_at: record.updated_at,
          })
          .execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new RecordExists('workflow_instance', record.id);
        throw err;
      }
    },

    async get(id) {
      const row = await db.selectFrom('workflow_instances').selectAll().where('id', '=', id).executeTakeFirst();
      return row && fromRow(row);
    },

    /** Replaces the checkpoint; updated_at is now. */
    async save(id, patch) {
      const result = await db
        .updateTable('workflow_instances')
        .set({
          state: JSON.stringify(patch.state),
          status: patch.status,
          wake_at: patch.wake_at,
          updated_at: toIso(clock.now()),
        })
        .where('id', '=', id)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new RecordNotFound('workflow_instance', id);
    },

    async listOpen() {
      const rows = await db
        .selectFrom('workflow_instances')
        .selectAll()
        .where('status', '=', OPEN)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(fromRow);
    },

    /** Earliest wake_at first. */
    async listDue(nowMs, limit) {
      let query = db
        .selectFrom('workflow_instances')
        .selectAll()
        .where('status', '=', OPEN)
        .where('wake_at', '<=', nowMs)
        .orderBy('wake_at')
        .orderBy('id');
      if (limit !== undefined) query = query.limit(limit);
      const rows = await query.execute();
      return rows.map(fromRow);
    },

    async nextWakeAt() {
      const row = await db
        .selectFrom('workflow_instances')
        .select((eb) => eb.fn.min('wake_at').as('next'))
        .where('status', '=', OPEN)
        .executeTakeFirst();
      return row?.next ?? null;
    },
  };
}

function fromRow(row: WorkflowRow): WorkflowInstanceRecord {
  return {
    id: row.id,
    workflow: row.workflow,
    state: JSON.parse(row.state) as unknown,
    status: row.status as WorkflowInstanceRecord['status'],
    wake_at: row.wake_at,
    updated_at: row.updated_at,
  };
}
