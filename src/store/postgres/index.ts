// store/postgres/: the PostgreSQL implementation of the Store. Loaded only when configured (it
// brings in pg): import it dynamically.
export { describePostgresUrl, openPostgresStore, type PostgresStoreOptions } from './store.js';
export { StoreLocked } from '../errors.js';
export { postgresDutyLocks } from './duty-locks.js';
