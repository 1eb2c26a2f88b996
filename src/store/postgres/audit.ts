// audit_log on PostgreSQL. The chain rules (canonical JSON, hash, redaction, verification) live
// in audit/; this file stores and reads entries, as ../audit.ts does for SQLite.
import { ChainVerifier, GENESIS_HASH, canonicalJson, hashAuditEntryJson, redactSecrets } from '../../audit/index.js';
import { toIso, type Clock } from '../../core/index.js';
import { VERIFY_PAGE_SIZE, fromRow, parseRow } from '../audit.js';
import type { AuditLogTable } from '../schema.js';
import type { AuditEntry, Store } from '../types.js';
import { AUDIT_CHAIN_LOCK, LOCK_CLASS } from './locks.js';
import type { Sql } from './sql.js';

/**
 * `append` must run inside a transaction (the store's root append opens one): it takes the
 * audit chain's advisory lock, held until that transaction ends, then reads the last entry and
 * inserts the next. Other appenders, in this process or another replica, wait for the commit; one
 * whose snapshot is older than that commit collides on the seq primary key and is retried whole.
 */
export function auditRepository(db: Sql, clock: Clock): Store['audit'] {
  return {
    async append(input) {
      const dataJson = canonicalJson(redactSecrets(input.data ?? {}));
      await db.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, AUDIT_CHAIN_LOCK]);
      const { rows } = await db.query<Pick<AuditLogTable, 'seq' | 'hash'>>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
      const previous = rows[0];
      const seq = (previous?.seq ?? 0) + 1;
      const prev_hash = previous?.hash ?? GENESIS_HASH;
      const ts = toIso(clock.now());
      const fields = { seq, ts, actor: input.actor, action: input.action, subject: input.subject ?? null };
      const hash = hashAuditEntryJson(prev_hash, fields, dataJson);
      await db.query('INSERT INTO audit_log (seq, ts, actor, action, subject, data, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
        seq,
        ts,
        fields.actor,
        fields.action,
        fields.subject,
        dataJson,
        prev_hash,
        hash,
      ]);
      return { ...fields, data: JSON.parse(dataJson) as Record<string, unknown>, prev_hash, hash } satisfies AuditEntry;
    },

    async list(filter = {}) {
      const { afterSeq, subject, actor, action, since, until, limit } = filter;
      const where: string[] = [];
      const values: unknown[] = [];
      const conditions: [unknown, string][] = [
        [afterSeq, 'seq >'],
        [subject, 'subject ='],
        [actor, 'actor ='],
        [action, 'action ='],
        [since, 'ts >='],
        [until, 'ts <='],
      ];
      for (const [value, condition] of conditions) {
        if (value === undefined) continue;
        values.push(value);
        where.push(`${condition} $${values.length}`);
      }
      let text = `SELECT * FROM audit_log${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`;
      if (limit !== undefined) {
        values.push(limit);
        text += ` LIMIT $${values.length}`;
      }
      const { rows } = await db.query<AuditLogTable>(text, values);
      return rows.map(fromRow);
    },

    /** Page by page, one query each, so memory stays flat however long the log. */
    async verify() {
      const verifier = new ChainVerifier();
      let afterSeq = 0;
      for (;;) {
        const { rows } = await db.query<AuditLogTable>('SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, VERIFY_PAGE_SIZE]);
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
