// Migrations are compiled in, not read from disk, so they run the same from src/ (tsx) and dist/.
// Names sort in the order they apply.
import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_host_tasks.js';
import * as m0003 from './0003_decisions.js';
import * as m0004 from './0004_session_revocations.js';

const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_host_tasks': m0002,
  '0003_decisions': m0003,
  '0004_session_revocations': m0004,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
