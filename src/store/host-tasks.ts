// host_tasks: what host agents must run (grant, revoke, list) for providers bound to them. A
// task is committed before anyone waits for it, handed to its host when the host polls, and
// finished by the host's answer; see providers/remote/README.md for the delivery rules.
import type BetterSqlite3 from 'better-sqlite3';
import { toIso, type Clock } from '../core/index.js';
import { RecordNotFound } from './errors.js';
import type { HostTasksTable } from './schema.js';
import type { SyncRepository } from './statements.js';
import type { HostTaskError, HostTaskKind, HostTaskRecord, HostTaskStatus, Store } from './types.js';

export function hostTasksRepository(db: BetterSqlite3.Database, clock: Clock): SyncRepository<Store['hostTasks']> {
  const insert = db.prepare(
    `INSERT INTO host_tasks (id, key, host, provider, kind, request_id, payload, status, attempt, claimed_until, deliver_before, result, error, created_at, updated_at, completed_at)
     VALUES (@id, @key, @host, @provider, @kind, @request_id, @payload, @status, @attempt, NULL, @deliver_before, NULL, NULL, @created_at, @updated_at, NULL)`,
  );
  const get = db.prepare('SELECT * FROM host_tasks WHERE id = ?');
  const getByKey = db.prepare('SELECT * FROM host_tasks WHERE key = ?');
  const rearm = db.prepare(
    `UPDATE host_tasks SET status = 'pending', attempt = ?, payload = ?, deliver_before = ?, claimed_until = NULL, result = NULL, error = NULL, completed_at = NULL, updated_at = ?
     WHERE id = ?`,
  );
  const refresh = db.prepare(`UPDATE host_tasks SET payload = ?, deliver_before = ?, updated_at = ? WHERE id = ? AND status = 'pending'`);
  const claimable = db.prepare(
    `SELECT * FROM host_tasks WHERE host = ? AND status = 'pending'
       AND (claimed_until IS NULL OR claimed_until <= ?) AND (deliver_before IS NULL OR deliver_before > ?)
     ORDER BY created_at, id LIMIT ?`,
  );
  const setClaim = db.prepare('UPDATE host_tasks SET claimed_until = ? WHERE id = ?');
  const release = db.prepare(`UPDATE host_tasks SET claimed_until = NULL WHERE host = ? AND status = 'pending' AND claimed_until IS NOT NULL`);
  const complete = db.prepare(
    `UPDATE host_tasks SET status = ?, result = ?, error = ?, completed_at = ?, updated_at = ?, claimed_until = NULL
     WHERE id = ? AND attempt = ? AND status = 'pending'`,
  );
  const exists = db.prepare('SELECT 1 FROM host_tasks WHERE id = ?').pluck();

  const mustExist = (id: string, changes: number) => {
    if (changes === 0 && exists.get(id) === undefined) throw new RecordNotFound('host_task', id);
  };

  return {
    insert(record) {
      insert.run({ ...record, payload: JSON.stringify(record.payload) });
    },

    get(id) {
      const row = get.get(id) as HostTasksTable | undefined;
      return row && fromRow(row);
    },

    getByKey(key) {
      const row = getByKey.get(key) as HostTasksTable | undefined;
      return row && fromRow(row);
    },

    rearm(id, patch) {
      mustExist(id, rearm.run(patch.attempt, JSON.stringify(patch.payload), patch.deliver_before, toIso(clock.now()), id).changes);
    },

    refresh(id, patch) {
      mustExist(id, refresh.run(JSON.stringify(patch.payload), patch.deliver_before, toIso(clock.now()), id).changes);
    },

    claim(host, nowMs, claimUntil, limit) {
      const rows = claimable.all(host, nowMs, nowMs, limit) as HostTasksTable[];
      for (const row of rows) setClaim.run(claimUntil, row.id);
      return rows.map((row) => fromRow({ ...row, claimed_until: claimUntil }));
    },

    release(host) {
      return release.run(host).changes;
    },

    complete(id, attempt, outcome) {
      const now = toIso(clock.now());
      const result = outcome.status === 'done' ? JSON.stringify(outcome.result ?? null) : null;
      const error = outcome.status === 'failed' ? JSON.stringify(outcome.error) : null;
      const changes = complete.run(outcome.status, result, error, now, now, id, attempt).changes;
      mustExist(id, changes);
      return changes > 0;
    },
  };
}

export function fromRow(row: HostTasksTable): HostTaskRecord {
  return {
    id: row.id,
    key: row.key,
    host: row.host,
    provider: row.provider,
    kind: row.kind as HostTaskKind,
    request_id: row.request_id,
    payload: JSON.parse(row.payload) as unknown,
    status: row.status as HostTaskStatus,
    attempt: row.attempt,
    claimed_until: row.claimed_until,
    deliver_before: row.deliver_before,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    error: row.error === null ? null : (JSON.parse(row.error) as HostTaskError),
    created_at: row.created_at,
    updated_at: row.updated_at,
    completed_at: row.completed_at,
  };
}
