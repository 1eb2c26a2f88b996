// requests on PostgreSQL: the statements of ../requests.ts in PostgreSQL's dialect, the same rows.
import { toIso, type Clock, type RequestStatus } from '../../core/index.js';
import { RecordExists, RecordNotFound } from '../errors.js';
import { fromRow } from '../requests.js';
import type { RequestsTable } from '../schema.js';
import type { Store } from '../types.js';
import type { Sql } from './sql.js';

const PATCHABLE = ['role', 'provider', 'workflow', 'reason', 'duration_ms', 'status', 'granted_at', 'expires_at', 'ended_at', 'outcome'] as const;

// ON CONFLICT DO NOTHING instead of a unique violation: a failed statement would abort the
// caller's whole transaction, where SQLite's only fails the statement.
const INSERT = `INSERT INTO requests (id, identity_id, identity, role, provider, workflow, reason, duration_ms, status,
    created_at, updated_at, granted_at, expires_at, ended_at, outcome, break_glass, start_at, extended_from, timeout_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) ON CONFLICT DO NOTHING`;

export function requestsRepository(db: Sql, clock: Clock): Store['requests'] {
  return {
    async insert(r) {
      const { rowCount } = await db.query(INSERT, [
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
      ]);
      if (rowCount === 0) throw new RecordExists('request', r.id);
    },

    async get(id) {
      const { rows } = await db.query<RequestsTable>('SELECT * FROM requests WHERE id = $1', [id]);
      return rows[0] && fromRow(rows[0]);
    },

    async update(id, patch) {
      const set: string[] = [];
      const values: unknown[] = [];
      for (const column of PATCHABLE) {
        const value = patch[column];
        if (value === undefined) continue;
        values.push(column === 'outcome' && value !== null ? JSON.stringify(value) : value);
        set.push(`${column} = $${values.length}, `);
      }
      values.push(patch.updated_at ?? toIso(clock.now()), id);
      const text = `UPDATE requests SET ${set.join('')}updated_at = $${values.length - 1} WHERE id = $${values.length} RETURNING *`;
      const { rows } = await db.query<RequestsTable>(text, values);
      if (!rows[0]) throw new RecordNotFound('request', id);
      return fromRow(rows[0]);
    },

    async list(filter = {}) {
      const { identityId, status, limit } = filter;
      if (status?.length === 0) return [];
      const where: string[] = [];
      const values: unknown[] = [];
      if (identityId !== undefined) {
        values.push(identityId);
        where.push(`identity_id = $${values.length}`);
      }
      if (status !== undefined) {
        values.push(status);
        where.push(`status = ANY($${values.length}::text[])`);
      }
      let text = `SELECT * FROM requests${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC`;
      if (limit !== undefined) {
        values.push(limit);
        text += ` LIMIT $${values.length}`;
      }
      const { rows } = await db.query<RequestsTable>(text, values);
      return rows.map(fromRow);
    },

    async count(filter = {}) {
      const { status } = filter;
      if (status?.length === 0) return 0;
      const { rows } =
        status === undefined
          ? await db.query<{ count: number }>('SELECT count(*)::int AS count FROM requests')
          : await db.query<{ count: number }>('SELECT count(*)::int AS count FROM requests WHERE status = ANY($1::text[])', [status]);
      return rows[0]?.count ?? 0;
    },

    async countByStatusAndRole(status) {
      if (status.length === 0) return [];
      const { rows } = await db.query<{ status: RequestStatus; role: string; count: number }>(
        'SELECT status, role, count(*)::int AS count FROM requests WHERE status = ANY($1::text[]) GROUP BY status, role',
        [[...status]],
      );
      return rows;
    },
  };
}
