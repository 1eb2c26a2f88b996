// requests: one row per access request. `identity` and `outcome` are JSON text; identity.id is
// also a column so listing one person's requests uses an index.
import type BetterSqlite3 from 'better-sqlite3';
import { toIso, type Clock, type RequestStatus } from '../core/index.js';
import { isUniqueViolation, RecordExists, RecordNotFound } from './errors.js';
import type { RequestsTable } from './schema.js';
import { StatementsByShape, type SyncRepository } from './statements.js';
import type { RequestRecord, Store } from './types.js';

/** The columns a patch may set, in the order they appear in an UPDATE's SET list. */
const PATCHABLE = ['role', 'provider', 'workflow', 'reason', 'duration_ms', 'status', 'granted_at', 'expires_at', 'ended_at', 'outcome'] as const;

export function requestsRepository(db: BetterSqlite3.Database, clock: Clock): SyncRepository<Store['requests']> {
  const insert = db.prepare(
    `INSERT INTO requests (id, identity_id, identity, role, provider, workflow, reason, duration_ms, status,
       created_at, updated_at, granted_at, expires_at, ended_at, outcome, break_glass, start_at, extended_from, timeout_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const get = db.prepare('SELECT * FROM requests WHERE id = ?');
  const byShape = new StatementsByShape(db);

  return {
    insert(r) {
      try {
        insert.run(
          r.id,
          r.identity.id,
          JSON.stringify(r.identity),
          r.role,
          r.provider,
          r.workflow,
          r.reason,
          r.duration_ms,
          r.status,
          r.created_at,
          r.updated_at,
          r.granted_at,
          r.expires_at,
          r.ended_at,
          r.outcome === null ? null : JSON.stringify(r.outcome),
          r.break_glass ? 1 : 0,
          r.start_at,
          r.extended_from,
          r.timeout_at,
        );
      } catch (err) {
        if (isUniqueViolation(err)) throw new RecordExists('request', r.id);
        throw err;
      }
    },

    get(id) {
      const row = get.get(id) as RequestsTable | undefined;
      return row && fromRow(row);
    },

    /** Applies the patch and returns the updated record; updated_at defaults to now. */
    update(id, patch) {
      // One statement per set of patched columns (a handful in practice), so the SQL stays plain.
      const columns: string[] = [];
      const values: unknown[] = [];
      for (const column of PATCHABLE) {
        const value = patch[column];
        if (value === undefined) continue;
        columns.push(column);
        values.push(column === 'outcome' && value !== null ? JSON.stringify(value) : value);
      }
      values.push(patch.updated_at ?? toIso(clock.now()), id);
      const key = columns.join(',');
      const stmt = byShape.get(`update:${key}`, () => {
        const set = columns.map((c) => `${c} = ?, `).join('');
        return `UPDATE requests SET ${set}updated_at = ? WHERE id = ? RETURNING *`;
      });
      const row = stmt.get(values) as RequestsTable | undefined;
      if (!row) throw new RecordNotFound('request', id);
      return fromRow(row);
    },

    /** Newest first. An empty status list matches nothing (`IN ()` is not valid SQL). */
    list(filter = {}) {
      const { identityId, status, limit } = filter;
      if (status?.length === 0) return [];
      const where: string[] = [];
      const params: unknown[] = [];
      if (identityId !== undefined) {
        where.push('identity_id = ?');
        params.push(identityId);
      }
      if (status !== undefined) {
        where.push(`status IN (${status.map(() => '?').join(', ')})`);
        params.push(...status);
      }
      if (limit !== undefined) params.push(limit);
      const stmt = byShape.get(`list:${identityId !== undefined}:${status?.length}:${limit !== undefined}`, () => {
        const whereSql = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
        const limitSql = limit !== undefined ? ' LIMIT ?' : '';
        return `SELECT * FROM requests${whereSql} ORDER BY created_at DESC, id DESC${limitSql}`;
      });
      return (stmt.all(params) as RequestsTable[]).map(fromRow);
    },

    count(filter = {}) {
      const { status } = filter;
      if (status?.length === 0) return 0;
      const stmt = byShape.get(`count:${status?.length}`, () =>
        status === undefined
          ? 'SELECT count(*) FROM requests'
          : `SELECT count(*) FROM requests WHERE status IN (${status.map(() => '?').join(', ')})`,
      );
      return stmt.pluck().get(status ?? []) as number;
    },

    countByStatusAndRole(status) {
      if (status.length === 0) return [];
      // Reads only rows of the given statuses through the (status, created_at) index.
      const stmt = byShape.get(`countByStatusAndRole:${status.length}`, () => `SELECT status, role, count(*) AS count FROM requests WHERE status IN (${status.map(() => '?').join(', ')}) GROUP BY status, role`);
      return stmt.all([...status]) as Array<{ status: RequestStatus; role: string; count: number }>;
    },
  };
}

export function fromRow(row: RequestsTable): RequestRecord {
  return {
    id: row.id,
    identity: JSON.parse(row.identity) as RequestRecord['identity'],
    role: row.role,
    provider: row.provider,
    workflow: row.workflow,
    reason: row.reason,
    duration_ms: row.duration_ms,
    status: row.status as RequestStatus,
    created_at: row.created_at,
    updated_at: row.updated_at,
    granted_at: row.granted_at,
    expires_at: row.expires_at,
    ended_at: row.ended_at,
    outcome: row.outcome === null ? null : (JSON.parse(row.outcome) as RequestRecord['outcome']),
    break_glass: row.break_glass === 1,
    start_at: row.start_at ?? null,
    extended_from: row.extended_from ?? null,
    timeout_at: row.timeout_at ?? null,
  };
}
