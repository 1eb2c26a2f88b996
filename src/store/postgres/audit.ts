// audit_log on PostgreSQL. The chain rules (canonical JSON, hash, redaction, verification) live
// in audit/; this file stores and reads entries, as ../audit.ts does for SQLite.
import { ChainVerifier, GENESIS_HASH, canonicalJson, hashAuditEntryJson, redactSecrets, type AuditCheckpoint } from '../../audit/index.js';
import { InvalidInput, toIso, type Clock } from '../../core/index.js';
import { PRUNE_PAGE_SIZE, VERIFY_PAGE_SIZE, fromRow, parseRow } from '../audit.js';
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
export function auditRepository(db: Sql, clock: Clock, onAppended: () => void = () => undefined): Omit<Store['audit'], 'onAppend'> {
  const entryAt = async (seq: number) =>
    (await db.query<Pick<AuditLogTable, 'seq' | 'hash' | 'ts'>>('SELECT seq, hash, ts FROM audit_log WHERE seq = $1', [seq])).rows[0];
  const latestCheckpoint = async () => (await db.query<AuditCheckpoint>('SELECT * FROM audit_checkpoints ORDER BY seq DESC LIMIT 1')).rows[0] ?? null;
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
      onAppended();
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

    async head() {
      return (await db.query<Pick<AuditLogTable, 'seq' | 'hash' | 'ts'>>('SELECT seq, hash, ts FROM audit_log ORDER BY seq DESC LIMIT 1')).rows[0] ?? null;
    },

    checkpoint: latestCheckpoint,

    /** Records the checkpoint, then deletes the entries it covers a page at a time. */
    async prune(cp) {
      const entry = await entryAt(cp.seq);
      if (!entry || entry.hash !== cp.hash || entry.ts !== cp.ts) throw new InvalidInput(`the checkpoint does not match audit entry ${cp.seq}`, 'checkpoint');
      const { rows } = await db.query<{ seq: number }>('SELECT max(seq) AS seq FROM audit_log');
      if (cp.seq >= (rows[0]?.seq ?? 0)) throw new InvalidInput('the last audit entry is never pruned: the next entry links to it', 'checkpoint');
      await db.query('INSERT INTO audit_checkpoints (seq, hash, ts, created_at, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6)', [
        cp.seq,
        cp.hash,
        cp.ts,
        cp.created_at,
        cp.key_id,
        cp.signature,
      ]);
      let deleted = 0;
      for (;;) {
        const { rowCount } = await db.query(
          'DELETE FROM audit_log WHERE seq IN (SELECT seq FROM audit_log WHERE seq <= (SELECT coalesce(max(seq), 0) FROM audit_checkpoints) ORDER BY seq LIMIT $1)',
          [PRUNE_PAGE_SIZE],
        );
        deleted += rowCount;
        if (rowCount < PRUNE_PAGE_SIZE) return deleted;
      }
    },

    /** From the latest checkpoint, page by page, one query each, so memory stays flat however long the log. */
    async verify() {
      const checkpoint = await latestCheckpoint();
      const verifier = new ChainVerifier(checkpoint ?? undefined);
      const from = checkpoint ? { from_seq: checkpoint.seq } : {};
      let afterSeq = checkpoint?.seq ?? 0;
      for (;;) {
        const { rows } = await db.query<AuditLogTable>('SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, VERIFY_PAGE_SIZE]);
        for (const row of rows) {
          const entry = parseRow(row);
          const problem = entry ? verifier.check(entry) : { seq: row.seq, message: `data of seq ${row.seq} is not JSON` };
          if (problem) return { ok: false, count: verifier.count, broken_at: problem.seq, message: problem.message, ...from };
        }
        const lastRow = rows.at(-1);
        if (!lastRow || rows.length < VERIFY_PAGE_SIZE) return { ok: true, count: verifier.count, ...from };
        afterSeq = lastRow.seq;
      }
    },
  };
}
