// kysely's SQLite dialect, adjusted for Lease:
// - transactions start with BEGIN IMMEDIATE: they take the write lock up front (waiting up to
//   busy_timeout), so a read-then-write transaction cannot fail half-way with SQLITE_BUSY when
//   another process (e.g. a CLI command) writes to the same file;
// - migrations run inside a transaction (SQLite's DDL is transactional), so a crash mid-migration
//   leaves the schema as it was;
// - integrity failures (foreign keys, the audit log's append-only triggers) surface as
//   StoreIntegrityError, whether raised by a statement or by COMMIT (deferred foreign keys);
// - prepared statements are cached by SQL text: kysely prepares every query anew, which made a
//   three-write transaction about 1.5x slower in our micro-measure.
import type BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDatabase,
  type SqliteStatement,
} from 'kysely';
import { toIntegrityError } from './errors.js';

class LeaseSqliteDriver extends SqliteDriver {
  #connection: DatabaseConnection | undefined;

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    this.#connection ??= integrityCheckedConnection(connection);
    return this.#connection;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

function integrityCheckedConnection(connection: DatabaseConnection): DatabaseConnection {
  return {
    async executeQuery(query) {
      try {
        return await connection.executeQuery(query);
      } catch (err) {
        throw toIntegrityError(err);
      }
    },
    streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
  };
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** Beyond this many distinct SQL texts the cache starts over; kysely's queries are few and fixed. */
const STATEMENT_CACHE_LIMIT = 500;

/** Adapts a better-sqlite3 database to kysely, reusing prepared statements. */
export function cachingDatabase(db: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      statements.clear();
      db.close();
    },
    prepare(sql: string): SqliteStatement {
      let stmt = statements.get(sql);
      if (stmt === undefined) {
        if (statements.size >= STATEMENT_CACHE_LIMIT) statements.clear();
        stmt = db.prepare(sql);
        statements.set(sql, stmt);
      }
      return stmt as unknown as SqliteStatement;
    },
  };
}

export class LeaseSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SqliteDatabase) {
    super({ database });
  }

  override createDriver(): Driver {
    return new LeaseSqliteDriver({ database: this.database });
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
