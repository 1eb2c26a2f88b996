// audit_log: the hash-chained, append-only audit trail. The chain rules (canonical JSON, hash,
// redaction, verification) live in audit/; this file stores and reads entries.
import type { Kysely, Selectable } from 'kysely';
import { ChainVerifier, GENESIS_HASH, canonicalJson, hashAuditEntry, redactSecrets } from '../audit/index.js';
import { toIso, type Clock } from '../core/index.js';
import type { AuditLogTable, Schema } from './schema.js';
import type { AuditEntry, Store } from './types.js';

/** Runs fn atomically: in a new transaction, or in the caller's if there is one. */
export type Atomic = <T>(fn: (db: Kysely<Schema>) => Promise<T>) => Promise<T>;

/** verify() reads this many entries at a time, so memory stays flat however long the log. */
const VERIFY_PAGE_SIZE = 1000;

export function auditRepository(db: Kysely<Schema>, clock: Clock, atomic: Atomic): Store['audit'] {
  return {
    /**
     * Redacts secret-looking keys from data, then links the entry to the last one. Reading the
     * last entry and inserting the next happen in one transaction, so the chain never forks.
     */
    append(input) {
      // Stored data is exactly what was hashed: canonical JSON of the redacted input.
      const dataJson = canonicalJson(redactSecrets(input.data ?? {}));
      const data = JSON.parse(dataJson) as Record<string, unknown>;
      return atomic(async (tx) => {
        const last = await tx
          .selectFrom('audit_log')
          .select(['seq', 'hash'])
          .orderBy('seq', 'desc')
          .limit(1)
          .executeTakeFirst();
        const seq = (last?.seq ?? 0) + 1;
        const prev_hash = last?.hash ?? GENESIS_HASH;
        const ts = toIso(clock.now());
        const fields = { seq, ts, actor: input.actor, action: input.action, subject: input.subject ?? null, data };
        const hash = hashAuditEntry(prev_hash, fields);
        await tx
          .insertInto('audit_log')
          .values({ ...fields, data: dataJson, prev_hash, hash })
          .execute();
        return { ...fields, prev_hash, hash };
      });
    },

    /** In seq order. */
    async list(filter = {}) {
      let query = db.selectFrom('audit_log').selectAll().orderBy('seq');
      if (filter.afterSeq !== undefined) query = query.where('seq', '>', filter.afterSeq);
      if (filter.subject !== undefined) query = query.where('subject', '=', filter.subject);
      if (filter.limit !== undefined) query = query.limit(filter.limit);
      const rows = await query.execute();
      return rows.map(fromRow);
    },

    /**
     * Walks the whole chain in pages and reports the first entry that breaks it. Entries appended
     * while verifying are included. Removing entries from the end is not detectable from the
     * chain alone; that is what forwarding the log elsewhere is for.
     */
    async verify() {
      const verifier = new ChainVerifier();
      let afterSeq = 0;
      for (;;) {
        const rows = await db
          .selectFrom('audit_log')
          .selectAll()
          .where('seq', '>', afterSeq)
          .orderBy('seq')
          .limit(VERIFY_PAGE_SIZE)
          .execute();
        for (const row of rows) {
          const entry = parseRow(row);
          const problem = entry ? verifier.check(entry) : { seq: row.seq, message: `data of seq ${row.seq} is not JSON` };
          if (problem) return { ok: false, count: verifier.count, broken_at: problem.seq, message: problem.message };
        }
        const lastRow = rows.at(-1);
        if (!lastRow || rows.length < VERIFY_PAGE_SIZE) return { ok: true, count: verifier.count };
        afterSeq = lastRow.seq;
      }
    },
  };
}

function fromRow(row: Selectable<AuditLogTable>): AuditEntry {
  return { ...row, data: JSON.parse(row.data) as Record<string, unknown> };
}

/** A row whose data a raw edit made unreadable is reported as broken, not thrown. */
function parseRow(row: Selectable<AuditLogTable>): AuditEntry | undefined {
  try {
    return fromRow(row);
  } catch {
    return undefined;
  }
}
