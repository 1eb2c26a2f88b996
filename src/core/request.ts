// The request lifecycle: requested → pending (validating/approval) → granting → active →
// revoking → revoked, or denied / failed / expired (not approved in time). An extension (a
// request that extends another's lease) ends `extended` once applied. Statuses are the API's
// and the CLI's vocabulary.
import { z } from 'zod';

export const requestStatusSchema = z.enum(['pending', 'granting', 'active', 'revoking', 'revoked', 'denied', 'failed', 'expired', 'extended']);
export type RequestStatus = z.infer<typeof requestStatusSchema>;

/** Statuses after which nothing more happens to a request. */
export const FINAL_STATUSES: readonly RequestStatus[] = ['revoked', 'denied', 'failed', 'expired', 'extended'];

export function isFinalStatus(status: RequestStatus): boolean {
  return FINAL_STATUSES.includes(status);
}
