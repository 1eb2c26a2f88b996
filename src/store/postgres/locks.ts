// PostgreSQL advisory locks Lease takes, as (class, object) pairs: the class is Lease's own
// ('Leas' in ASCII), so they never collide with another application's locks on the same database.
export const LOCK_CLASS = 0x4c656173;

/** Held (transaction-level) while appending to the audit log: the hash chain has one writer at a time across replicas. */
export const AUDIT_CHAIN_LOCK = 1;

/** Held (session-level) for the life of a server running the embedded engine: one such server per database. */
export const EMBEDDED_ENGINE_LOCK = 2;
