// workflow_instances: one checkpoint per workflow instance, overwritten after every step.
// `wake_at` (epoch ms) is what the scheduler polls; only running instances ever wake.
import type BetterSqlite3 from 'better-sqlite3';
import { toIso, type Clock } from '../core/index.js';
import { isUniqueViolation, RecordExists, RecordNotFound } from './errors.js';
import type { WorkflowInstancesTable } from './schema.js';
import type { SyncRepository } from './statements.js';
import type { Store, WorkflowInstanceRecord } from './types.js';

// Only running instances are open; the status literal is inlined so the index
// workflow_instances_status_wake_at serves every query below.
export function workflowsRepository(db: BetterSqlite3.Database, clock: Clock): SyncRepository<Store['workflows']> {
  const insert = db.prepare(
    `INSERT INTO workflow_instances (id, workflow, state, status, wake_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const get = db.prepare('SELECT * FROM workflow_instances WHERE id = ?');
  const save = db.prepare('UPDATE workflow_instances SET state = ?, status = ?, wake_at = ?, updated_at = ? WHERE id = ?');
  const listOpen = db.prepare(`SELECT * FROM workflow_instances WHERE status = 'running' ORDER BY created_at, id`);
  // `+status` keeps SQLite off the status index here: walking the primary key from `id > ?`
  // reads one page's rows, where the status index would sort every open instance per page.
  const listOpenAfter = db.prepare(`SELECT * FROM workflow_instances WHERE +status = 'running' AND id > ? ORDER BY id LIMIT ?`);
  const listDueSql = `SELECT * FROM workflow_instances WHERE status = 'running' AND wake_at <= ? ORDER BY wake_at, id`;
  const listDue = db.prepare(listDueSql);
  const listDueLimited = db.prepare(`${listDueSql} LIMIT ?`);
  const nextWakeAt = db.prepare(`SELECT min(wake_at) FROM workflow_instances WHERE status = 'running'`).pluck();

  return {
    insert(record) {
      try {
        insert.run(record.id, record.workflow, JSON.stringify(record.state), record.status, record.wake_at, record.updated_at, record.updated_at);
      } catch (err) {
        if (isUniqueViolation(err)) throw new RecordExists('workflow_instance', record.id);
        throw err;
      }
    },

    get(id) {
      const row = get.get(id) as WorkflowInstancesTable | undefined;
      return row && fromRow(row);
    },

    /** Replaces the checkpoint; updated_at is now. */
    save(id, patch) {
      const result = save.run(JSON.stringify(patch.state), patch.status, patch.wake_at, toIso(clock.now()), id);
      if (result.changes === 0) throw new RecordNotFound('workflow_instance', id);
    },

    listOpen() {
      return (listOpen.all() as WorkflowInstancesTable[]).map(fromRow);
    },

    listOpenAfter(afterId, limit) {
      return (listOpenAfter.all(afterId ?? '', limit) as WorkflowInstancesTable[]).map(fromRow);
    },

    /** Earliest wake_at first. */
    listDue(nowMs, limit) {
      const rows = limit === undefined ? listDue.all(nowMs) : listDueLimited.all(nowMs, limit);
      return (rows as WorkflowInstancesTable[]).map(fromRow);
    },

    nextWakeAt() {
      return (nextWakeAt.get() as number | null | undefined) ?? null;
    },
  };
}

export function fromRow(row: WorkflowInstancesTable): WorkflowInstanceRecord {
  return {
    id: row.id,
    workflow: row.workflow,
    state: JSON.parse(row.state) as unknown,
    status: row.status as WorkflowInstanceRecord['status'],
    wake_at: row.wake_at,
    updated_at: row.updated_at,
  };
}
