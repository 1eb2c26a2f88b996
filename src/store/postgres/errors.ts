// PostgreSQL's error codes (SQLSTATE), as the store maps them to its typed errors or retries them.
import { StoreIntegrityError } from '../errors.js';

export function pgCode(err: unknown): string | undefined {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code)) return err.code;
  return undefined;
}

function constraintOf(err: unknown): string | undefined {
  return err instanceof Error && 'constraint' in err && typeof err.constraint === 'string' ? err.constraint : undefined;
}

/**
 * A transaction that lost a race with another one: run it again from the start. Serialization
 * failures and deadlocks, and a duplicate audit seq (two writers read the same last entry: the
 * later one's snapshot predates the earlier one's commit).
 */
export function isRetryable(err: unknown): boolean {
  const code = pgCode(err);
  return code === '40001' || code === '40P01' || (code === '23505' && constraintOf(err) === 'audit_log_pkey');
}

/** Wraps integrity failures (foreign keys, the append-only audit log) in the store's typed error. */
export function toIntegrityError(err: unknown): unknown {
  const code = pgCode(err);
  if (code === '23503') return new StoreIntegrityError('a record refers to a request or workflow instance that does not exist', err);
  if (code === '23000') return new StoreIntegrityError((err as Error).message, err);
  return err;
}
