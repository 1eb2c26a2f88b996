// decisions: each approver's approve/deny on a request, one per (request, approver). Written by
// the server when an authenticated approver decides; read by lease.authorize to check that a
// role's approval rule is met, whatever the workflow did with the events.
import type BetterSqlite3 from 'better-sqlite3';
import { identitySchema } from '../core/index.js';
import { isUniqueViolation, RecordExists } from './errors.js';
import type { DecisionsTable } from './schema.js';
import type { SyncRepository } from './statements.js';
import type { DecisionChannel, DecisionRecord, Store } from './types.js';

export function decisionsRepository(db: BetterSqlite3.Database): SyncRepository<Store['decisions']> {
  const insert = db.prepare(
    `INSERT INTO decisions (request_id, approver, identity, approved, reason, channel, decided_at)
     VALUES (@request_id, @approver, @identity, @approved, @reason, @channel, @decided_at)`,
  );
  const list = db.prepare('SELECT * FROM decisions WHERE request_id = ? ORDER BY decided_at, approver');

  return {
    insert(record) {
      try {
        insert.run({ ...record, identity: JSON.stringify(record.identity), approved: record.approved ? 1 : 0 });
      } catch (err) {
        if (isUniqueViolation(err)) throw new RecordExists('decision', `${record.request_id}/${record.approver}`);
        throw err;
      }
    },

    list(requestId) {
      return (list.all(requestId) as DecisionsTable[]).map(fromRow);
    },
  };
}

export function fromRow(row: DecisionsTable): DecisionRecord {
  return {
    request_id: row.request_id,
    approver: row.approver,
    identity: identitySchema.parse(JSON.parse(row.identity)),
    approved: row.approved === 1,
    reason: row.reason,
    channel: row.channel as DecisionChannel,
    decided_at: row.decided_at,
  };
}
