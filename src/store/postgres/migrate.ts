// Brings a PostgreSQL database up to date on open. A database that has every migration recorded
// (the usual restart) is checked with one query and kysely is not loaded; otherwise kysely's
// Migrator runs the pending ones, each in its own transaction (PostgreSQL's DDL is
// transactional), under kysely's advisory lock: replicas starting together migrate one after the
// other, and a database from a newer Lease (an unknown migration) is refused.
import type pg from 'pg';
import { StoreMigrationError } from '../errors.js';
import { MIGRATION_NAMES } from './migrations/index.js';

export async function migrateToLatest(pool: pg.Pool): Promise<void> {
  if (await isUpToDate(pool)) return;
  const { Kysely, Migrator, PostgresDialect } = await import('kysely');
  const { migrationProvider } = await import('./migrations/index.js');
  // kysely ends the pool it is given on destroy: it gets a view of ours that does not.
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: { connect: () => pool.connect(), end: async () => undefined } }) });
  try {
    const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
    if (error !== undefined) throw new StoreMigrationError(error);
  } finally {
    await db.destroy();
  }
}

async function isUpToDate(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ exists: boolean }>(`SELECT to_regclass('kysely_migration') IS NOT NULL AS exists`);
  if (!rows[0]?.exists) return false;
  const applied = new Set((await pool.query<{ name: string }>('SELECT name FROM kysely_migration')).rows.map((row) => row.name));
  return applied.size === MIGRATION_NAMES.length && MIGRATION_NAMES.every((name) => applied.has(name));
}
