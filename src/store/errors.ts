// The store's typed errors. Not-found and already-exists map to 404/409 through core's
// LeaseError; an integrity violation is a bug in the caller, so it is a 500 with a stable code.
import { Conflict, LeaseError, NotFound } from '../core/index.js';

export type RecordKind = 'request' | 'workflow_instance' | 'grant' | 'inbox_event' | 'host_task' | 'decision' | 'review';

/** The record to read or change does not exist. Code: `<kind>_not_found`. */
export class RecordNotFound extends NotFound {
  constructor(kind: RecordKind, id: string) {
    super(`${kind}_not_found`, `${kind.replace('_', ' ')} ${id} not found`);
  }
}

/** A record with this id was already inserted. Code: `<kind>_exists`. */
export class RecordExists extends Conflict {
  constructor(kind: RecordKind, id: string) {
    super(`${kind}_exists`, `${kind.replace('_', ' ')} ${id} already exists`);
  }
}

/** A write broke a database rule (a foreign key, the append-only audit log). */
export class StoreIntegrityError extends LeaseError {
  constructor(message: string, cause: unknown) {
    super('store_integrity', message, { status: 500, cause });
  }
}

/** The schema could not be brought up to date; the store is not opened. */
export class StoreMigrationError extends LeaseError {
  constructor(cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('store_migration_failed', `database migration failed: ${reason}`, { status: 500, cause });
  }
}

/**
 * Another server with the embedded workflow engine holds this store: the embedded engine drives
 * the workflows in its own process, so two on one store would both resume the same requests.
 */
export class StoreLocked extends LeaseError {
  /** `store`: what is locked, for people, e.g. `the SQLite database /var/lib/lease/lease.db`. */
  constructor(store: string) {
    super(
      'store_locked',
      `another Lease server with the embedded workflow engine is using ${store}: the embedded engine runs one server per database. ` +
        'Stop the other server, or run several replicas with server.engine: temporal (and lease worker processes).',
      { status: 409 },
    );
  }
}

/** better-sqlite3's error codes are extended result codes such as SQLITE_CONSTRAINT_PRIMARYKEY. */
export function sqliteCode(err: unknown): string | undefined {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('SQLITE_')) {
    return err.code;
  }
  return undefined;
}

export function isUniqueViolation(err: unknown): boolean {
  const code = sqliteCode(err);
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Wraps integrity failures (foreign keys checked at commit, trigger aborts) in a typed error. */
export function toIntegrityError(err: unknown): unknown {
  const code = sqliteCode(err);
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return new StoreIntegrityError('a record refers to a request or workflow instance that does not exist', err);
  }
  if (code === 'SQLITE_CONSTRAINT_TRIGGER') {
    return new StoreIntegrityError((err as Error).message, err);
  }
  return err;
}
