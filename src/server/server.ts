// Assembles a Lease server from its parts: config → store → providers → workflow runtime →
// services → HTTP. Start-up resumes every open workflow (expired leases are revoked at once)
// before /ready reports ready; providers are reconciled once the resumed grants and
// revocations have settled, then every 5 minutes.
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { InvalidInput, createLogger, noMetrics, parseDuration, systemClock, type Clock, type Logger } from '../core/index.js';
import { forwarderName, loadConfig, type LoadedConfig } from '../config/index.js';
import { keySetSealing, openEncryptionService, sealedFileOpener } from '../crypto/index.js';
import { SessionKeys } from '../identity/index.js';
import { HostChannel, type ProviderInstance } from '../providers/index.js';
import { defaultRegistry } from './provider-types.js';
import type { Store } from '../store/index.js';
import { startTracing } from '../tracing/index.js';
import { Duty } from './duty.js';
import { openConfiguredStore, openDutyLocks } from './store.js';
import { createBuiltinCalls } from '../workflow/calls/index.js';
import { validateWorkflowDocument } from '../workflow/dsl/index.js';
import { createJqEngine } from '../workflow/expressions/index.js';
import type { ExpressionEngine } from '../workflow/interpreter/types.js';
import type { StepObserver, WorkflowRuntime } from '../workflow/runtime/index.js';
import { createWorkflowEngine, temporalPathBases } from './engine.js';
import type { RouteSpec } from './api/route.js';
import { clientAddressOf, trustedProxyList } from './client-address.js';
import { emailApprovalRoutes } from './email-approvals/routes.js';
import { RequesterMail } from './email-approvals/requester-mail.js';
import { EmailApprovals } from './email-approvals/service.js';
import { reloadConfig, type ReloadOutcome } from './config-reload.js';
import { createHttpApp } from './http.js';
import { InFlightCalls } from './in-flight.js';
import { readinessCheck, type ServerPhase } from './readiness.js';
import { agentRoutes } from './routes/agents.js';
import { auditRoutes } from './routes/audit.js';
import { startAuditForwarding, type AuditForwarding } from './audit-forwarding/index.js';
import { loadCheckpointKey } from './audit-retention/checkpoint-key.js';
import { AuditRetention, DEFAULT_RETENTION_DAYS } from './audit-retention/retention.js';
import { authRoutes } from './routes/auth.js';
import { catalogRoutes } from './routes/catalog.js';
import { deviceRoutes } from './routes/device.js';
import { oidcRoutes } from './routes/oidc.js';
import { providerQueryRoutes } from './routes/provider-queries.js';
import { requestRoutes } from './routes/requests.js';
import { samlRoutes } from './routes/saml.js';
import { slackRoutes } from './routes/slack.js';
import { suggestionRoutes } from './routes/suggestions.js';
import { createAccessControl } from './services/access-control.js';
import { createAccessDirectory, toGrantRole } from './services/access-directory.js';
import { AuthService } from './services/auth.js';
import { LeaseNoticeSender, extendOffersOf, leaseNoticeListener } from './services/lease-notices.js';
import { LoginThrottle } from './services/login-throttle.js';
import { ProviderQueries } from './services/provider-queries.js';
import { BrowserLoginService } from './services/browser-login.js';
import { DeviceLoginService } from './services/device-login.js';
import { Reconciler } from './services/reconcile.js';
import { RequestService } from './services/requests.js';
import { SuggestionService } from './services/suggestions.js';
import { reasonJudgeOf } from './services/reason-judge.js';
import { VERSION } from './version.js';
import { webAppRoutes } from './web/app.js';
import { WebLogin } from './web/web-login.js';
import { WebSessions } from './web/web-sessions.js';

export interface ServerOptions {
  configPath: string;
  dataDir: string;
  /** Default `server.port` from the config, else 8080; 0 picks a free port. */
  port?: number;
  /** Default `server.host` from the config, else 127.0.0.1. */
  host?: string;
  /**
   * The server's external base URL (login callbacks, links); default `server.url` from the
   * config, else `http://127.0.0.1:<port>`.
   */
  url?: string;
  clock?: Clock;
  logger?: Logger;
  env?: Record<string, string | undefined>;
}

export interface RunningServer {
  url: string;
  /** The external base URL, as OIDC and SAML providers must know it for the redirect URI / ACS. */
  publicUrl: string;
  config: LoadedConfig;
  store: Store;
  runtime: WorkflowRuntime;
  logger: Logger;
  /** Reloads the configuration (SIGHUP): roles and workflows swapped in place, anything else refused and named. */
  reload(): Promise<ReloadOutcome>;
  /**
   * Graceful shutdown: /ready answers 503 at once, no new connection is accepted, calls being
   * answered finish (long polls are answered early), then the engine stops and the store closes.
   */
  stop(): Promise<void>;
}

const DEFAULT_SESSION_TTL_MS = 60 * 60 * 1000;
const DEFAULT_PORT = 8080;
const DEFAULT_HOST = '127.0.0.1';
const RECONCILE_INTERVAL_MS = 5 * 60 * 1000;
/** During a shutdown, how often connections whose last call was answered are closed. */
const IDLE_SWEEP_MS = 50;

/** Loads and validates the configuration with every provider's schema and the DSL checks (jq compiled). */
export function loadServerConfig(configPath: string, expressions: ExpressionEngine, env?: Record<string, string | undefined>): Promise<LoadedConfig> {
  return loadConfig(configPath, {
    ...(env ? { env } : {}),
    providerFactories: defaultRegistry(),
    validateWorkflow: (doc) => validateWorkflowDocument(doc, expressions),
  });
}

/** What the server and a `lease worker` share: configuration, store, providers and the request service. */
export async function openLeaseCore(options: {
  configPath: string;
  dataDir: string;
  url?: string;
  clock?: Clock;
  logger?: Logger;
  env?: Record<string, string | undefined>;
  /** `worker`: a `lease worker` process, which shares the store with the servers (default `server`). */
  role?: 'server' | 'worker';
}) {
  const clock = options.clock ?? systemClock;
  const expressions = await createJqEngine();
  const config = await loadServerConfig(options.configPath, expressions, options.env);
  const logger =
    options.logger ??
    createLogger({
      ...(config.logging?.level ? { level: config.logging.level } : {}),
      ...logDestination(config.logging?.output, options.dataDir),
      ...(config.logging?.retention ? { retentionDays: config.logging.retention.days } : {}),
    });
  for (const warning of config.warnings) logger.warn(`config: ${warning}`);
  // Before anything makes spans (providers, the workflow runtime): off unless server.tracing.enabled.
  const tracing = await startTracing(config.server?.tracing, { env: options.env ?? process.env, logger, serviceVersion: VERSION });
  // services.encryption: the KMS that seals the key files; unset, they stay plain 0600 files.
  const encryption = await openEncryptionService(config.services?.encryption, { file: config.sourceOf('service', 'encryption'), env: options.env ?? process.env });

  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  // A server with the embedded engine runs the workflows itself: it must be alone on its store.
  const exclusive = options.role !== 'worker' && config.server?.engine !== 'temporal';
  const store = await openConfiguredStore(config, options.dataDir, { clock, logger, exclusive, ...(options.env ? { env: options.env } : {}) });
  // Which replica does each background duty (forwarding, mails, notices, reconciling, pruning).
  const duties = await openDutyLocks(config, options.dataDir, { exclusive, logger, ...(options.env ? { env: options.env } : {}) });
  // Providers bound to a host agent (`agent: <host>`) run there, through durable host tasks.
  const hosts = new HostChannel({ store, clock, logger });
  // With server.engine temporal, `agent_transport: temporal` sends them to per-host task queues instead.
  const temporalHosts = config.server?.engine === 'temporal' ? await openTemporalHostTasks(config, options.dataDir, logger) : undefined;
  const providers: Map<string, ProviderInstance> = await defaultRegistry().create(config.providers.values(), { dataDir: options.dataDir, logger, hosts, seenKeys: store.seenCallbacks, ...(temporalHosts ? { temporalHosts } : {}), ...(encryption ? { sealedFiles: sealedFileOpener(encryption) } : {}) });
  await temporalHosts?.prepare();
  const access = createAccessControl(config.admins);
  const requests = new RequestService({ store, config, providers, clock, logger, access });
  // server.metrics: prom-client is loaded only when enabled.
  const prometheus = config.server?.metrics?.enabled
    ? await (await import('./metrics/prometheus.js')).createPrometheusMetrics({ store, processMetrics: config.server.metrics.process_metrics ?? true, knownProviders: () => new Set(config.providers.keys()) })
    : undefined;
  const metrics = prometheus?.metrics ?? noMetrics;
  // The session key set, loaded once when first needed (sessions; e-mail approval links derive their key from it).
  let keys: Promise<SessionKeys> | undefined;
  const sessionKeys = () => (keys ??= SessionKeys.load(options.dataDir, { sealing: keySetSealing(encryption, 'session-keys', logger) }));
  // Links in notifications and mails use the public URL: server.url (or --url), else (a server)
  // its loopback URL once it listens (startLeaseServer sets it).
  const links = { publicUrl: options.url !== undefined || config.server?.url ? externalUrl(options.url ?? config.server?.url, 0) : (undefined as string | undefined) };
  const requestLink = (id: string) => (links.publicUrl === undefined ? undefined : `${links.publicUrl}/requests/${encodeURIComponent(id)}`);
  const emailApprovals = new EmailApprovals({ store, config, providers, access, clock, logger, keys: sessionKeys, publicUrl: () => links.publicUrl ?? '', requests });
  // An applied extension tells the extended lease's workflow, through whichever runtime is attached to the request service.
  const directory = createAccessDirectory(config, providers, { store, access, emailApprovals, signal: (id, event) => requests.signal(id, event) });
  // Requesters' direct messages (slack `direct_messages`) are scheduled with the lease's changes.
  const leaseEvents = leaseNoticeListener(providers, clock);
  const reasonJudge = reasonJudgeOf(config);
  const calls = createBuiltinCalls({ store, clock, logger, directory, requestLink, metrics, ...(leaseEvents ? { leaseEvents } : {}), ...(reasonJudge ? { reasonJudge } : {}) });
  const setPublicUrl = (url: string) => {
    links.publicUrl = url;
  };
  // Workflow steps are counted as they commit, beside what the request service does with them.
  const observer: StepObserver = {
    afterStep: (args) => requests.afterStep(args),
    afterCommit: (event) => {
      requests.afterCommit(event);
      metrics.workflowStep(event.state.status === 'faulted' && event.previous?.status !== 'faulted');
    },
  };
  return { clock, expressions, config, logger, store, duties, providers, hosts, temporalHosts, access, requests, observer, calls, encryption, links, dataDir: options.dataDir, sessionKeys, emailApprovals, setPublicUrl, tracing, metrics, prometheus };
}

/** `logging.output`: stdout, stderr, or a file Lease writes (relative to the data directory). */
function logDestination(output: string | undefined, dataDir: string): { destination?: string } {
  if (output === undefined) return {};
  return { destination: output === 'stdout' || output === 'stderr' ? output : resolve(dataDir, output) };
}

/** The Temporal transport of host tasks (providers/remote/temporal/), loaded only with the Temporal engine. */
async function openTemporalHostTasks(config: LoadedConfig, dataDir: string, logger: Logger) {
  const { temporalSettings } = await import('../workflow/runtime/temporal/index.js');
  const { TemporalHostTasks } = await import('../providers/remote/temporal/index.js');
  return new TemporalHostTasks({ settings: await temporalSettings(config.services?.temporal, temporalPathBases(config, dataDir)), dataDir, logger });
}

export async function startLeaseServer(options: ServerOptions): Promise<RunningServer> {
  const core = await openLeaseCore(options);
  const { clock, expressions, config, logger, store, providers, access, requests, calls, encryption } = core;
  const keys = await core.sessionKeys();
  const engine = await createWorkflowEngine({ config, dataDir: options.dataDir, store, clock, expressions, logger, observer: core.observer, calls, encryption });
  // Background duties: every replica runs the loops, one at a time does each duty's work.
  const duties: Duty[] = [];
  const duty = (name: string) => {
    const d = new Duty(core.duties, name, logger);
    duties.push(d);
    return d.check;
  };
  const runtime = engine.runtime;
  requests.attach(runtime);
  const sessionTtlMs = config.server?.session_ttl ? parseDuration(config.server.session_ttl, 'server.session_ttl') : DEFAULT_SESSION_TTL_MS;
  const auth = new AuthService({ store, providers, keys, clock, logger, throttle: new LoginThrottle(store, clock), access, sessionTtlMs, metrics: core.metrics });
  const clientAddress = clientAddressOf(trustedProxyList(config.server?.trusted_proxies));
  // Known once listening (the port may be 0 until then); routes only run after that.
  let publicUrl = '';
  const logins = new BrowserLoginService({ store, providers, keys, clock, logger, sessionTtlMs, publicUrl: () => publicUrl, metrics: core.metrics });
  const web = new WebSessions({ auth, clock, publicUrl: () => publicUrl });
  const devices = new DeviceLoginService({ logins, store, providers, keys, clock, logger, sessionTtlMs, publicUrl: () => publicUrl, metrics: core.metrics });

  // Slack approvals: loaded only when a slack provider is configured.
  const slackConfigured = [...providers.values()].some((p) => p.type === 'slack' && p.enabled);
  const slackApprovals = slackConfigured
    ? new (await import('./services/slack-approvals.js')).SlackApprovals({ store, config, providers, requests, access, clock, logger })
    : undefined;
  const notices = slackConfigured ? new LeaseNoticeSender({ store, providers, clock, logger, extendOffers: extendOffersOf(config, clock), isMine: duty('lease-notices') }) : undefined;
  if (slackApprovals) {
    // A decision made elsewhere (CLI, web, e-mail), or the request ending undecided, shows in the
    // Slack messages too; a Slack click rewrites its own message.
    requests.onDecision((id, channel) => {
      if (channel !== 'slack') void slackApprovals.refreshMessages(id);
    });
  }

  let forwarding: AuditForwarding | undefined = undefined;
  // Audit retention: the checkpoint key is read (or made) when first needed; a prune waits for
  // every forwarder unless audit.retention.require_forwarded is false.
  let checkpointKey: ReturnType<typeof loadCheckpointKey> | undefined;
  const auditRetentionDeps = {
    key: () => (checkpointKey ??= loadCheckpointKey(options.dataDir)),
    forwarders: config.audit.retention?.require_forwarded === false ? [] : (config.audit.forwarders ?? []).map((f, i) => forwarderName(f, i)),
  };
  const retention = new AuditRetention({ store, clock, logger, ...auditRetentionDeps, days: config.audit.retention?.days ?? DEFAULT_RETENTION_DAYS, isMine: duty('audit-retention') });
  let phase: ServerPhase = 'starting';
  const routes = [
    ...authRoutes(auth, web, new WebLogin({ logins, sessions: web }), clientAddress),
    ...oidcRoutes(logins),
    ...samlRoutes(logins),
    ...slackRoutes(() => slackApprovals, logger, clientAddress),
    ...deviceRoutes(devices, clientAddress),
    ...requestRoutes(requests),
    ...suggestionRoutes(new SuggestionService({ store, config, providers, clock, logger })),
    ...agentRoutes(core.hosts),
    ...catalogRoutes(config, providers),
    ...auditRoutes(store, access, clock, () => forwarding, auditRetentionDeps),
    ...webAppRoutes({ publicUrl: () => publicUrl }),
    ...providerQueryRoutes(new ProviderQueries({ store, config, providers, access, clock, logger, visibleRequest: (identity, id) => requests.visible(identity, id) })),
    ...emailApprovalRoutes({ approvals: core.emailApprovals, auth, web, providers }),
  ] as RouteSpec<never, never>[];
  const inFlight = new InFlightCalls();
  const readiness = readinessCheck({
    phase: () => phase,
    pingStore: () => store.ping?.() ?? store.workflows.nextWakeAt().then(() => undefined),
    checkEngine: () => engine.check(),
  });
  const app = createHttpApp({
    routes,
    web,
    logger,
    version: VERSION,
    readiness,
    inFlight,
    ...(core.prometheus ? { metrics: { registry: core.prometheus, recorder: core.metrics, ...(config.server?.metrics?.token ? { token: config.server.metrics.token } : {}) } } : {}),
  });

  core.hosts.serveAgents(); // this process answers the host agents, so it knows which are offline
  await runtime.recover();
  // Drift can also appear while running (someone edits a target by hand): checked periodically.
  // A lease whose grant vanished is granted again or failed (server.reconcile.missing).
  const repair = { missing: config.server?.reconcile?.missing ?? 'regrant', grantRole: (id: string) => grantRoleOf(config, id), signal: runtime.signal.bind(runtime) } as const;
  const reconciler = new Reconciler({ store, providers, logger, clock, intervalMs: RECONCILE_INTERVAL_MS, repair, metrics: core.metrics, isMine: duty('reconciler') });

  const host = options.host ?? config.server?.host ?? DEFAULT_HOST;
  const server = await listen(app.fetch, options.port ?? config.server?.port ?? DEFAULT_PORT, host);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? DEFAULT_PORT);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  publicUrl = externalUrl(options.url ?? config.server?.url, port);
  core.setPublicUrl(publicUrl);
  await store.audit.append({ actor: 'lease', action: 'server.started', subject: null, data: { version: VERSION, url } });
  // Audit forwarders (audit.forwarders) deliver the log from their stored positions.
  forwarding = await startAuditForwarding({ config, store, logger, clock, dataDir: options.dataDir, version: VERSION, duty: (name) => duty(`audit-forwarder:${name}`) });
  retention.start();
  reconciler.start();
  // Requesters are mailed on grant and end, from the audit log (durable), when an e-mail provider says so.
  const requesterMail = new RequesterMail({ store, providers, clock, logger, isMine: duty('requester-mail') });
  await requesterMail.start();
  notices?.start();
  phase = 'running';
  logger.info({ url, public_url: publicUrl }, 'lease server ready');

  let stopping: Promise<void> | undefined;
  // One reload at a time: a second SIGHUP waits for the first.
  let reloading: Promise<unknown> = Promise.resolve();
  const reload = () => {
    const next = reloading.then(() => reloadConfig({ current: config, load: () => loadServerConfig(options.configPath, expressions, options.env), store, logger }));
    reloading = next.catch(() => undefined);
    return next;
  };
  return {
    url,
    publicUrl,
    config,
    store,
    runtime,
    logger,
    reload,
    stop: () =>
      (stopping ??= (async () => {
        logger.info({ url, in_flight: inFlight.size }, 'lease server stopping');
        phase = 'stopping';
        // No new connection from here; idle keep-alive connections close now.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        requests.releaseWaiters(); // `--wait` long polls answer now, with the request as it is
        core.hosts.close(); // ends the host agents' long polls and the calls waiting on hosts
        await inFlight.idle();
        // A keep-alive connection whose last call was just answered would hold close() open until
        // its idle timeout: closed as soon as its response is written (closeIdleConnections skips
        // connections still writing one).
        const sweep = 'closeIdleConnections' in server ? setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS) : undefined;
        await closed;
        clearInterval(sweep);
        await reconciler.stop();
        await requesterMail.stop();
        await forwarding?.stop();
        await retention.stop();
        await notices?.stop();
        // The duties' loops have ended: another replica may take them now.
        for (const d of duties) await d.release();
        await core.duties.close();
        await engine.stop();
        await core.temporalHosts?.close();
        await store.close();
        await core.tracing.shutdown(); // sends the spans still buffered
        logger.info({ url }, 'lease server stopped');
      })()),
  };
}

/** The role as a provider sees it, as configured now. */
function grantRoleOf(config: LoadedConfig, roleId: string) {
  const role = config.roles.get(roleId);
  return role ? toGrantRole(role) : undefined;
}

/**
 * Idle keep-alive connections stay open longer than a load balancer's (AWS ALB: 60 s) and than
 * clients expect: a server that closes first races a client reusing the connection, which then
 * fails with "other side closed".
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

function listen(fetch: Parameters<typeof serve>[0]['fetch'], port: number, hostname: string): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => resolve(server));
    if ('keepAliveTimeout' in server) {
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      // Must exceed keepAliveTimeout, or a slow request on a reused connection is cut.
      server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
    }
    server.once('error', reject);
  });
}

/** The configured external URL without a trailing slash, or the loopback URL of the port. */
function externalUrl(configured: string | undefined, port: number): string {
  if (configured === undefined || configured === '') return `http://127.0.0.1:${port}`;
  const url = new URL(configured);
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new InvalidInput(`the server URL must be a plain base URL, got ${url.origin}${url.pathname}…`, 'server.url');
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}
