// How repositories talk to SQLite: better-sqlite3 prepared statements, prepared once per
// connection, run synchronously. The Store's async methods are a thin layer over these
// (bind-store.ts decides when a call may run: now, or queued behind an open transaction).
import type BetterSqlite3 from 'better-sqlite3';

/** A Store repository as implemented here: the same methods, returning plain values. */
export type SyncRepository<R> = {
  [K in keyof R]: R[K] extends (...args: infer A) => Promise<infer T> ? (...args: A) => T : never;
};

/**
 * Statements whose SQL depends on the call's shape (which columns a patch sets, how many
 * statuses a filter lists): prepared the first time a shape is seen, reused after. Keys are
 * built from fixed column names and counts, never from caller data, so the set stays small.
 */
export class StatementsByShape {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(private readonly db: BetterSqlite3.Database) {}

  get(key: string, sql: () => string): BetterSqlite3.Statement {
    let stmt = this.statements.get(key);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql());
      this.statements.set(key, stmt);
    }
    return stmt;
  }
}
