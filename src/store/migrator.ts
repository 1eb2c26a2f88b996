// Runs the pending migrations with kysely's Migrator (migrate.ts decides whether any are):
// migrations are written with its schema builder and it records them in kysely_migration. Only
// migrations use kysely; the repositories use raw prepared statements (see README, "Performance").
// - Migrations run inside a transaction (SQLite's DDL is transactional), so a crash
//   mid-migration leaves the schema as it was; it starts with BEGIN IMMEDIATE, so two processes
//   opening the same file migrate one after the other.
import type BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, Migrator, SqliteAdapter, SqliteDialect, SqliteDriver, type DatabaseConnection, type DialectAdapter, type Driver, type SqliteDatabase, type SqliteStatement } from 'kysely';
import { StoreMigrationError } from './errors.js';
import { migrationProvider } from './migrations/index.js';

export async function runMigrations(sqlite: BetterSqlite3.Database): Promise<void> {
  const db = new Kysely<unknown>({ dialect: new MigrationDialect(sqlite) });
  try {
    const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
    if (error !== undefined) throw new StoreMigrationError(error);
  } finally {
    await db.destroy(); // leaves the connection open: the store owns it
  }
}

class MigrationDialect extends SqliteDialect {
  private readonly database: SqliteDatabase;

  constructor(sqlite: BetterSqlite3.Database) {
    const database: SqliteDatabase = {
      prepare: (sql) => sqlite.prepare(sql) as unknown as SqliteStatement,
      close: () => undefined,
    };
    super({ database });
    this.database = database;
  }

  override createDriver(): Driver {
    return new ImmediateTransactionDriver({ database: this.database });
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class ImmediateTransactionDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
