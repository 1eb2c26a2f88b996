// PostgreSQL's migrations, compiled in like SQLite's (../../migrations/), numbered on their own.
// Names sort in the order they apply; each is imported only when the migrator runs.
import type { Migration, MigrationProvider } from 'kysely';

const migrations: Record<string, () => Promise<Migration>> = {
  '0001_initial': () => import('./0001_initial.js'),
  '0002_audit_retention': () => import('./0002_audit_retention.js'),
  '0003_pending_logins': () => import('./0003_pending_logins.js'),
  '0004_login_throttle': () => import('./0004_login_throttle.js'),
};

/** Every migration's name, in the order they apply. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(migrations);

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => Object.fromEntries(await Promise.all(Object.entries(migrations).map(async ([name, load]) => [name, await load()] as const))),
};
