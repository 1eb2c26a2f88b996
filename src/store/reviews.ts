// reviews: the after-the-fact review of each break-glass request, opened with the request and
// closed by an administrator (not its requester) with a comment.
import type BetterSqlite3 from 'better-sqlite3';
import { isUniqueViolation, RecordExists } from './errors.js';
import type { ReviewsTable } from './schema.js';
import type { SyncRepository } from './statements.js';
import type { ReviewRecord, Store } from './types.js';

export function reviewsRepository(db: BetterSqlite3.Database): SyncRepository<Store['reviews']> {
  const insert = db.prepare(
    `INSERT INTO reviews (id, request_id, opened_at, closed_at, closed_by, comment)
     VALUES (@id, @request_id, @opened_at, @closed_at, @closed_by, @comment)`,
  );
  const get = db.prepare('SELECT * FROM reviews WHERE id = ?');
  const listAll = db.prepare('SELECT * FROM reviews ORDER BY opened_at DESC, id DESC LIMIT ?');
  const listOpen = db.prepare('SELECT * FROM reviews WHERE closed_at IS NULL ORDER BY opened_at DESC, id DESC LIMIT ?');
  const close = db.prepare('UPDATE reviews SET closed_at = @closed_at, closed_by = @closed_by, comment = @comment WHERE id = @id AND closed_at IS NULL');

  return {
    insert(record) {
      try {
        insert.run(record);
      } catch (err) {
        if (isUniqueViolation(err)) throw new RecordExists('review', record.id);
        throw err;
      }
    },
    get(id) {
      const row = get.get(id) as ReviewsTable | undefined;
      return row && { ...row };
    },
    list(filter = {}) {
      return ((filter.open ? listOpen : listAll).all(filter.limit ?? 1000) as ReviewsTable[]).map((row): ReviewRecord => ({ ...row }));
    },
    close(id, patch) {
      return close.run({ id, ...patch }).changes === 1;
    },
  };
}
