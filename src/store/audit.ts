// audit_log: the hash-chained, append-only audit trail. The chain rules (canonical JSON, hash,
// redaction, verification) live in audit/; this file stores and reads entries.
import type BetterSqlite3 from 'better-sqlite3';
import { GENESIS_HASH, canonicalJson, hashAuditEntryJson, redactSecrets, type AuditCheckpoint, type ChainVerifier } from '../audit/index.js';
import { InvalidInput, toIso, type Clock } from '../core/index.js';
import type { AuditLogTable } from './schema.js';
import { StatementsByShape, type SyncRepository } from './statements.js';
import type { AuditEntry, AuditInput, AuditVerification, Store } from './types.js';

/** verify() reads this many entries per call, so memory stays flat however long the log. */
export const VERIFY_PAGE_SIZE = 1000;

/** One page of a verification: the verdict if it is reached, else where the next page starts. */
export type VerifyPage = { verdict: AuditVerification } | { verdict: undefined; afterSeq: number };

/**
 * append and list as the Store has them; verify is split in pages (verifyPage) so that each page
 * is one store call and a long log never holds the connection, or the event loop, for long.
 */
export type AuditRepository = SyncRepository<Omit<Store['audit'], 'verify' | 'prune' | 'onAppend'>> & {
  verifyPage(verifier: ChainVerifier, afterSeq: number): VerifyPage;
  /** Records a checkpoint after checking it names a stored entry that is not the head. */
  addCheckpoint(checkpoint: AuditCheckpoint): void;
  /** Deletes up to `limit` entries the latest checkpoint covers; returns how many. */
  deleteCovered(limit: number): number;
  /** True once per call of append since the last time it was asked (for onAppend). */
  takeAppended(): boolean;
};

/** prune() deletes this many entries per store call, so other callers get their turn between pages. */
export const PRUNE_PAGE_SIZE = 5000;

export function auditRepository(db: BetterSqlite3.Database, clock: Clock): AuditRepository {
  const last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  const insert = db.prepare(
    'INSERT INTO audit_log (seq, ts, actor, action, subject, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const page = db.prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?');
  const bySeq = db.prepare('SELECT seq, hash, ts FROM audit_log WHERE seq = ?');
  const latestCheckpoint = db.prepare('SELECT * FROM audit_checkpoints ORDER BY seq DESC LIMIT 1');
  const insertCheckpoint = db.prepare('INSERT INTO audit_checkpoints (seq, hash, ts, created_at, key_id, signature) VALUES (?, ?, ?, ?, ?, ?)');
  const deleteCovered = db.prepare(
    'DELETE FROM audit_log WHERE seq IN (SELECT seq FROM audit_log WHERE seq <= (SELECT coalesce(max(seq), 0) FROM audit_checkpoints) ORDER BY seq LIMIT ?)',
  );
  const byShape = new StatementsByShape(db);
  let appended = false;

  // Reads the last entry and inserts the next. It runs at execution time, on the one connection:
  // inside a group-committed batch it sees the entries of the calls before it, and a call rolled
  // back to its savepoint takes its entries with it, so the chain stays linear without gaps.
  const appendNow = (input: AuditInput, dataJson: string): AuditEntry => {
    const previous = last.get() as Pick<AuditLogTable, 'seq' | 'hash'> | undefined;
    const seq = (previous?.seq ?? 0) + 1;
    const prev_hash = previous?.hash ?? GENESIS_HASH;
    const ts = toIso(clock.now());
    const fields = { seq, ts, actor: input.actor, action: input.action, subject: input.subject ?? null };
    const hash = hashAuditEntryJson(prev_hash, fields, dataJson);
    insert.run(seq, ts, fields.actor, fields.action, fields.subject, dataJson, prev_hash, hash);
    appended = true;
    // The entry returned is what list() will read back: the stored (redacted, canonical) data.
    return { ...fields, data: JSON.parse(dataJson) as Record<string, unknown>, prev_hash, hash };
  };
  // Outside a transaction, read-last-then-insert runs in its own BEGIN IMMEDIATE, so another
  // process appending to the same file cannot slip in between (seq, the primary key, would
  // refuse the fork anyway).
  const appendAtomically = db.transaction(appendNow);

  return {
    /** Redacts secret-looking keys from data, then links the entry to the last one. */
    append(input) {
      // Stored data is exactly what was hashed: canonical JSON of the redacted input.
      const dataJson = canonicalJson(redactSecrets(input.data ?? {}));
      return db.inTransaction ? appendNow(input, dataJson) : appendAtomically.immediate(input, dataJson);
    },

    /** In seq order. `since`/`until`: ISO-8601 times, inclusive, compared as stored (UTC). */
    list(filter = {}) {
      const { afterSeq, subject, actor, action, since, until, limit } = filter;
      const where: string[] = [];
      const params: unknown[] = [];
      const conditions: [unknown, string][] = [
        [afterSeq, 'seq > ?'],
        [subject, 'subject = ?'],
        [actor, 'actor = ?'],
        [action, 'action = ?'],
        [since, 'ts >= ?'],
        [until, 'ts <= ?'],
      ];
      for (const [value, sql] of conditions) {
        if (value === undefined) continue;
        where.push(sql);
        params.push(value);
      }
      if (limit !== undefined) params.push(limit);
      const stmt = byShape.get(`list:${conditions.map(([value]) => value !== undefined).join(':')}:${limit !== undefined}`, () => {
        const whereSql = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
        return `SELECT * FROM audit_log${whereSql} ORDER BY seq${limit !== undefined ? ' LIMIT ?' : ''}`;
      });
      return (stmt.all(params) as AuditLogTable[]).map(fromRow);
    },

    head() {
      const row = last.get() as Pick<AuditLogTable, 'seq' | 'hash'> | undefined;
      if (!row) return null;
      return bySeq.get(row.seq) as Pick<AuditLogTable, 'seq' | 'hash' | 'ts'>;
    },

    checkpoint() {
      return (latestCheckpoint.get() as AuditCheckpoint | undefined) ?? null;
    },

    addCheckpoint(cp) {
      const entry = bySeq.get(cp.seq) as Pick<AuditLogTable, 'seq' | 'hash' | 'ts'> | undefined;
      if (!entry || entry.hash !== cp.hash || entry.ts !== cp.ts) {
        throw new InvalidInput(`the checkpoint does not match audit entry ${cp.seq}`, 'checkpoint');
      }
      const head = last.get() as Pick<AuditLogTable, 'seq'>;
      if (cp.seq >= head.seq) throw new InvalidInput('the last audit entry is never pruned: the next entry links to it', 'checkpoint');
      insertCheckpoint.run(cp.seq, cp.hash, cp.ts, cp.created_at, cp.key_id, cp.signature);
    },

    deleteCovered(limit) {
      return deleteCovered.run(limit).changes;
    },

    takeAppended() {
      const was = appended;
      appended = false;
      return was;
    },

    /**
     * Checks the next page of the chain and reports the first entry that breaks it. Entries
     * appended while verifying are included. Removing entries from the end is not detectable
     * from the chain alone; that is what forwarding the log elsewhere is for.
     */
    verifyPage(verifier, afterSeq) {
      const rows = page.all(afterSeq, VERIFY_PAGE_SIZE) as AuditLogTable[];
      for (const row of rows) {
        const entry = parseRow(row);
        const problem = entry ? verifier.check(entry) : { seq: row.seq, message: `data of seq ${row.seq} is not JSON` };
        if (problem) return { verdict: { ok: false, count: verifier.count, broken_at: problem.seq, message: problem.message } };
      }
      const lastRow = rows.at(-1);
      if (!lastRow || rows.length < VERIFY_PAGE_SIZE) return { verdict: { ok: true, count: verifier.count } };
      return { verdict: undefined, afterSeq: lastRow.seq };
    },
  };
}

export function fromRow(row: AuditLogTable): AuditEntry {
  return { ...row, data: JSON.parse(row.data) as Record<string, unknown> };
}

/** A row whose data a raw edit made unreadable is reported as broken, not thrown. */
export function parseRow(row: AuditLogTable): AuditEntry | undefined {
  try {
    return fromRow(row);
  } catch {
    return undefined;
  }
}
