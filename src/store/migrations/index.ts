// Migrations are compiled in, not read from disk, so they run the same from src/ (tsx) and dist/.
// Names sort in the order they apply. Each is imported only when the migrator runs (they use
// kysely, which a store already up to date never loads).
import type { Migration, MigrationProvider } from 'kysely';

const migrations: Record<string, () => Promise<Migration>> = {
  '0001_initial': () => import('./0001_initial.js'),
  '0002_host_tasks': () => import('./0002_host_tasks.js'),
  '0003_decisions': () => import('./0003_decisions.js'),
  '0004_session_revocations': () => import('./0004_session_revocations.js'),
  '0005_approval_lifecycle': () => import('./0005_approval_lifecycle.js'),
  '0006_email_approvals': () => import('./0006_email_approvals.js'),
  '0007_slack': () => import('./0007_slack.js'),
  '0008_notice_messages': () => import('./0008_notice_messages.js'),
  '0009_audit_retention': () => import('./0009_audit_retention.js'),
  '0010_pending_logins': () => import('./0010_pending_logins.js'),
  '0011_login_throttle': () => import('./0011_login_throttle.js'),
};

/** Every migration's name, in the order they apply. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(migrations);

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => Object.fromEntries(await Promise.all(Object.entries(migrations).map(async ([name, load]) => [name, await load()] as const))),
};
