// grants on PostgreSQL: the statements of ../grants.ts in PostgreSQL's dialect.
import { RecordNotFound } from '../errors.js';
import { fromRow } from '../grants.js';
import type { GrantsTable } from '../schema.js';
import type { Store } from '../types.js';
import type { Sql } from './sql.js';

export function grantsRepository(db: Sql): Store['grants'] {
  return {
    async get(requestId, provider) {
      const { rows } = await db.query<GrantsTable>('SELECT * FROM grants WHERE request_id = $1 AND provider = $2', [requestId, provider]);
      return rows[0] && fromRow(rows[0]);
    },

    async upsert(row) {
      await db.query(
        `INSERT INTO grants (request_id, provider, record, granted_at, revoked_at) VALUES ($1, $2, $3, $4, NULL)
         ON CONFLICT (request_id, provider) DO UPDATE SET record = excluded.record, granted_at = excluded.granted_at, revoked_at = NULL`,
        [row.request_id, row.provider, JSON.stringify(row.record), row.granted_at],
      );
    },

    async markRevoked(requestId, provider, at) {
      const { rowCount } = await db.query('UPDATE grants SET revoked_at = $1 WHERE request_id = $2 AND provider = $3 AND revoked_at IS NULL', [at, requestId, provider]);
      if (rowCount > 0) return;
      const { rows } = await db.query('SELECT 1 FROM grants WHERE request_id = $1 AND provider = $2', [requestId, provider]);
      if (rows.length === 0) throw new RecordNotFound('grant', `${requestId}/${provider}`);
    },

    async listActive() {
      const { rows } = await db.query<GrantsTable>('SELECT * FROM grants WHERE revoked_at IS NULL ORDER BY granted_at, request_id, provider');
      return rows.map(fromRow);
    },
  };
}
