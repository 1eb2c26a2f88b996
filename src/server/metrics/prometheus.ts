// The Prometheus registry behind LeaseMetrics (prom-client), loaded only when
// `server.metrics.enabled`. Event counts and latencies are recorded as they happen; what the
// store knows (requests by status and role, active leases, pending approvals) is read at scrape
// time with one grouped query over the open statuses.
import { isFinalStatus, requestStatusSchema, type LeaseMetrics, type RequestStatus } from '../../core/index.js';
import type { Store } from '../../store/index.js';

/** Statuses a request passes through before it ends (read at every scrape through the status index). */
const OPEN_STATUSES: readonly RequestStatus[] = requestStatusSchema.options.filter((status) => !isFinalStatus(status));

/** Provider calls: a local sudoers file takes milliseconds, a cloud IAM call seconds. */
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** From a lease's expiry to its revocation: normally well under a second, minutes after an outage. */
const LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60];

export interface PrometheusMetricsOptions {
  store: Store;
  /** Node.js process metrics (CPU, memory, event loop lag, GC): default true. */
  processMetrics: boolean;
  /** Ids of the configured providers: any other value becomes the label `unknown` (bounded cardinality). */
  knownProviders: () => ReadonlySet<string>;
}

export interface PrometheusMetrics {
  metrics: LeaseMetrics;
  contentType: string;
  /** The text exposition of every metric. */
  scrape(): Promise<string>;
}

export async function createPrometheusMetrics(options: PrometheusMetricsOptions): Promise<PrometheusMetrics> {
  const prom = await import('prom-client');
  const registry = new prom.Registry();
  if (options.processMetrics) prom.collectDefaultMetrics({ register: registry });
  const provider = (id: string) => (options.knownProviders().has(id) ? id : 'unknown');
  const registers = [registry];

  const http = new prom.Histogram({ name: 'lease_http_request_duration_seconds', help: 'HTTP calls answered, by route pattern, method and status', labelNames: ['route', 'method', 'status'], buckets: HTTP_BUCKETS, registers });
  const calls = new prom.Histogram({ name: 'lease_provider_call_duration_seconds', help: 'Provider grant and revoke calls, by provider, operation and outcome', labelNames: ['provider', 'operation', 'outcome'], buckets: CALL_BUCKETS, registers });
  const lag = new prom.Histogram({ name: 'lease_expiry_revoke_lag_seconds', help: 'From a lease\'s expiry to its revocation completing, by provider', labelNames: ['provider'], buckets: LAG_BUCKETS, registers });
  const steps = new prom.Counter({ name: 'lease_workflow_steps_total', help: 'Workflow steps committed', registers });
  const failures = new prom.Counter({ name: 'lease_workflow_failures_total', help: 'Workflows that ended faulted', registers });
  const drift = new prom.Counter({ name: 'lease_reconcile_drift_total', help: 'Drift the reconciler found, by provider and kind (orphaned: a grant with no live lease, revoked; missing: an active lease whose grant vanished)', labelNames: ['provider', 'kind'], registers });
  const logins = new prom.Counter({ name: 'lease_logins_total', help: 'Login attempts, by identity provider and outcome', labelNames: ['provider', 'outcome'], registers });

  // Gauges from the store, filled by one query per scrape.
  let counting: Promise<Array<{ status: RequestStatus; role: string; count: number }>> | undefined;
  const counts = () => (counting ??= options.store.requests.countByStatusAndRole(OPEN_STATUSES).finally(() => (counting = undefined)));
  new prom.Gauge({
    name: 'lease_requests',
    help: 'Requests not yet ended, by status and role (read from the store at scrape time)',
    labelNames: ['status', 'role'],
    registers,
    async collect() {
      this.reset();
      for (const row of await counts()) this.set({ status: row.status, role: row.role }, row.count);
    },
  });
  new prom.Gauge({
    name: 'lease_active_leases',
    help: 'Leases granted and not yet revoked (requests with status active)',
    registers,
    async collect() {
      this.set((await counts()).filter((row) => row.status === 'active').reduce((sum, row) => sum + row.count, 0));
    },
  });
  new prom.Gauge({
    name: 'lease_pending_approvals',
    help: 'Requests waiting for an approval (status pending)',
    registers,
    async collect() {
      this.set((await counts()).filter((row) => row.status === 'pending').reduce((sum, row) => sum + row.count, 0));
    },
  });

  const metrics: LeaseMetrics = {
    httpRequest: (route, method, status, seconds) => http.observe({ route, method, status: String(status) }, seconds),
    providerCall: (operation, id, outcome, seconds) => calls.observe({ provider: provider(id), operation, outcome }, seconds),
    expiryRevokeLag: (id, seconds) => lag.observe({ provider: provider(id) }, seconds),
    workflowStep: (failed) => {
      steps.inc();
      if (failed) failures.inc();
    },
    driftFound: (id, kind, count) => drift.inc({ provider: provider(id), kind }, count),
    login: (id, outcome) => logins.inc({ provider: provider(id), outcome }),
  };
  return { metrics, contentType: registry.contentType, scrape: () => registry.metrics() };
}
