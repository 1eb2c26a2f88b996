// store/postgres/: the PostgreSQL implementation of the Store. Loaded only when configured (it
// brings in pg): import it dynamically.
export { describePostgresUrl, openPostgresStore, StoreLocked, type PostgresStoreOptions } from './store.js';
