// decisions and reviews on PostgreSQL: the statements of ../decisions.ts and ../reviews.ts.
import { fromRow } from '../decisions.js';
import { RecordExists } from '../errors.js';
import type { DecisionsTable, ReviewsTable } from '../schema.js';
import type { ReviewRecord, Store } from '../types.js';
import type { Sql } from './sql.js';

export function decisionsRepository(db: Sql): Store['decisions'] {
  return {
    async insert(r) {
      const { rowCount } = await db.query(
        `INSERT INTO decisions (request_id, approver, identity, approved, reason, channel, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [r.request_id, r.approver, JSON.stringify(r.identity), r.approved ? 1 : 0, r.reason, r.channel, r.decided_at],
      );
      if (rowCount === 0) throw new RecordExists('decision', `${r.request_id}/${r.approver}`);
    },

    async list(requestId) {
      const { rows } = await db.query<DecisionsTable>('SELECT * FROM decisions WHERE request_id = $1 ORDER BY decided_at, approver', [requestId]);
      return rows.map(fromRow);
    },
  };
}

export function reviewsRepository(db: Sql): Store['reviews'] {
  const toRecord = (row: ReviewsTable): ReviewRecord => ({ ...row });
  return {
    async insert(r) {
      const { rowCount } = await db.query(
        `INSERT INTO reviews (id, request_id, opened_at, closed_at, closed_by, comment) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [r.id, r.request_id, r.opened_at, r.closed_at, r.closed_by, r.comment],
      );
      if (rowCount === 0) throw new RecordExists('review', r.id);
    },

    async get(id) {
      const { rows } = await db.query<ReviewsTable>('SELECT * FROM reviews WHERE id = $1', [id]);
      return rows[0] && toRecord(rows[0]);
    },

    async list(filter = {}) {
      const where = filter.open ? ' WHERE closed_at IS NULL' : '';
      const { rows } = await db.query<ReviewsTable>(`SELECT * FROM reviews${where} ORDER BY opened_at DESC, id DESC LIMIT $1`, [filter.limit ?? 1000]);
      return rows.map(toRecord);
    },

    async close(id, patch) {
      const { rowCount } = await db.query('UPDATE reviews SET closed_at = $1, closed_by = $2, comment = $3 WHERE id = $4 AND closed_at IS NULL', [
        patch.closed_at,
        patch.closed_by,
        patch.comment,
        id,
      ]);
      return rowCount === 1;
    },
  };
}
