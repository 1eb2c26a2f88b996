// Brings the schema up to date on open. A file that has every migration recorded (the usual
// restart) is checked with one query and kysely is never loaded: it is about 260 modules, a
// large part of a start-up. Otherwise migrator.ts runs the pending ones.
import type BetterSqlite3 from 'better-sqlite3';
import { MIGRATION_NAMES } from './migrations/index.js';

export async function migrateToLatest(sqlite: BetterSqlite3.Database): Promise<void> {
  if (isUpToDate(sqlite)) return;
  const { runMigrations } = await import('./migrator.js');
  await runMigrations(sqlite);
}

/**
 * True when kysely_migration records exactly the migrations this version has. Anything else (a
 * new file, a pending migration, a file from a newer version) goes to the migrator, which
 * applies or refuses it.
 */
function isUpToDate(sqlite: BetterSqlite3.Database): boolean {
  const recorded = sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kysely_migration'`).get();
  if (recorded === undefined) return false;
  const applied = new Set(sqlite.prepare('SELECT name FROM kysely_migration').pluck().all() as string[]);
  return applied.size === MIGRATION_NAMES.length && MIGRATION_NAMES.every((name) => applied.has(name));
}
