// What Lease measures, as calls the code makes where things happen. The Prometheus registry
// behind it (server/metrics/) is loaded only when `server.metrics.enabled`; otherwise these are
// no-ops. Every label value passed here must come from a bounded set: configured provider and
// role ids, route patterns, status codes — never raw paths or user input.

export type ProviderOperation = 'grant' | 'revoke';
export type Outcome = 'ok' | 'error';

export interface LeaseMetrics {
  /** One HTTP call answered: `route` is its pattern (`/api/v1/requests/:id`), never the raw path. */
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  /** One provider grant or revoke call and how long it took. */
  providerCall(operation: ProviderOperation, provider: string, outcome: Outcome, seconds: number): void;
  /** A lease revoked because it expired: how long after its expiry the revocation completed. */
  expiryRevokeLag(provider: string, seconds: number): void;
  /** One workflow step committed; `failed` when it ended the workflow faulted. */
  workflowStep(failed: boolean): void;
  /** Drift the reconciler found (`kind`: missing grant, orphaned grant...). */
  driftFound(provider: string, kind: string, count: number): void;
  /** One login attempt through an identity provider. */
  login(provider: string, outcome: 'success' | 'failure'): void;
}

export const noMetrics: LeaseMetrics = {
  httpRequest: () => undefined,
  providerCall: () => undefined,
  expiryRevokeLag: () => undefined,
  workflowStep: () => undefined,
  driftFound: () => undefined,
  login: () => undefined,
};

/** Seconds since `startMs` by `now()` (a Clock's or performance's). */
export function secondsSince(startMs: number, now: () => number): number {
  return Math.max(0, now() - startMs) / 1000;
}
