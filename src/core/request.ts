// The request lifecycle: requested → pending (validating/approval) → granting → active →
// revoking → revoked, or denied / failed. Statuses are the API's and the CLI's vocabulary.
import { z } from 'zod';

export const requestStatusSchema = z.enum(['pending', 'granting', 'active', 'revoking', 'revoked', 'denied', 'failed']);
export type RequestStatus = z.infer<typeof requestStatusSchema>;

/** Statuses after which nothing more happens to a request. */
export const FINAL_STATUSES: readonly RequestStatus[] = ['revoked', 'denied', 'failed'];

export function isFinalStatus(status: RequestStatus): boolean {
  return FINAL_STATUSES.includes(status);
}
