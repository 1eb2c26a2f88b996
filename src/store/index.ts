// store/: durable state behind one interface (types.ts). SQLite is the default implementation.
export type * from './types.js';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite.js';
export { RecordExists, RecordNotFound, StoreIntegrityError, StoreLocked, StoreMigrationError, type RecordKind } from './errors.js';
export { soleProcessDuties, sqliteDutyLocks, type DutyHold, type DutyLocks } from './duty-locks.js';
