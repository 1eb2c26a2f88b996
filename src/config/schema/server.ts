// Server-level sections: `server`, `logging`, `services`, `environment`. They usually live in
// one server file; each may be given once across the whole config. Thand's keys are listed
// (limits, security.cors, metrics, health...) even where Lease does not act on them: the loader
// warns that they are ignored (settings.ts), so nothing is silently accepted.
import { isIP } from 'node:net';
import { z } from 'zod';
import { durationSchema } from './duration.js';
import { tracingSchema } from './tracing.js';

// `${PORT}` resolves to a string, so a string of digits is accepted as a port number.
const portSchema = z.preprocess(
  (value) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value),
  z.number().int().min(0).max(65535),
);

/** Not implemented yet: the loader warns that these are ignored. */
export const limitsSchema = z.strictObject({
  /** Largest request body accepted, in bytes. */
  max_body_bytes: z.number().int().positive().optional(),
  /** Requests per minute per client before 429. */
  requests_per_minute: z.number().int().positive().optional(),
  burst: z.number().int().positive().optional(),
  request_timeout: durationSchema.optional(),
  /** Thand's HTTP server timeouts. */
  read_timeout: durationSchema.optional(),
  write_timeout: durationSchema.optional(),
  idle_timeout: durationSchema.optional(),
});

/** Not implemented yet (the API answers no cross-origin request): the loader warns that it is ignored. */
export const corsSchema = z.strictObject({
  allowed_origins: z.array(z.string().min(1)).optional(),
  allowed_methods: z.array(z.string().min(1)).optional(),
  allowed_headers: z.array(z.string().min(1)).optional(),
  allow_credentials: z.boolean().optional(),
  /** How long a browser may cache a preflight answer: seconds (Thand's form, e.g. 86400) or a duration. */
  max_age: z.union([z.number().int().nonnegative(), durationSchema]).optional(),
});

/** A section of Thand's that Lease does not implement; its content is not checked. */
const ignoredSectionSchema = z.record(z.string(), z.unknown());

/**
 * `server.metrics`. Thand's `path` and `namespace` are accepted (warned about unless they match
 * what Lease does: `/metrics`, names prefixed `lease_`).
 */
export const metricsSchema = z.strictObject({
  enabled: z.boolean().optional(),
  /** A bearer token scrapers must send (`Authorization: Bearer <token>`); unset, /metrics is open. */
  token: z.string().min(16, 'expected a token of at least 16 characters').optional(),
  /** Node.js process metrics (CPU, memory, event loop, GC); default true. */
  process_metrics: z.boolean().optional(),
  path: z.string().optional(),
  namespace: z.string().optional(),
});
export type MetricsConfig = z.infer<typeof metricsSchema>;

/** Administrators: may see and revoke everyone's requests and read the audit log. */
export const adminsSchema = z.strictObject({
  users: z.array(z.string().min(1)).optional(),
  groups: z.array(z.string().min(1)).optional(),
});

/** `10.0.0.1`, `10.0.0.0/8`, `fd00::/8`. */
const addressOrRangeSchema = z.string().refine((value) => {
  const [address = '', bits, extra] = value.split('/');
  const family = isIP(address);
  return family !== 0 && extra === undefined && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)));
}, 'expected an IP address or a CIDR range (10.0.0.0/8, fd00::/8)');

/** A PostgreSQL connection URL: `postgres://` or `postgresql://`. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * `server.store`: where durable state lives. SQLite (default): `url` is the database file,
 * relative to the data directory (default `lease.db`). PostgreSQL: `url` is a postgres:// URL
 * (TLS through its `sslmode`); several replicas need it (with `server.engine: temporal`). The
 * environment variable LEASE_STORE_URL replaces `url`.
 */
export const storeSchema = z
  .strictObject({
    type: z.enum(['sqlite', 'postgres']).optional(),
    url: z.string().min(1).optional(),
    /** PostgreSQL: connections each process keeps open (default 10). */
    pool_size: z.preprocess((value) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value), z.number().int().min(1).max(100)).optional(),
  })
  .superRefine((store, ctx) => {
    const type = store.type ?? 'sqlite';
    if (store.url !== undefined && type === 'postgres' && !isPostgresUrl(store.url)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'expected a postgres:// or postgresql:// URL' });
    }
    if (store.url !== undefined && type === 'sqlite' && isPostgresUrl(store.url)) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: 'a postgres:// URL needs type: postgres' });
    }
    if (store.pool_size !== undefined && type !== 'postgres') {
      ctx.addIssue({ code: 'custom', path: ['pool_size'], message: 'pool_size applies to type: postgres only' });
    }
  });
export type StoreConfig = z.infer<typeof storeSchema>;

export const serverSchema = z.strictObject({
  host: z.string().min(1).optional(),
  port: portSchema.optional(),
  /** The public base URL (used in login callbacks and approval links). */
  url: z.url().optional(),
  limits: limitsSchema.optional(),
  cors: corsSchema.optional(),
  /** Thand's place for CORS settings (`security.cors`). */
  security: z.strictObject({ cors: corsSchema.optional() }).optional(),
  /** `GET /metrics` in the Prometheus text format; off unless `enabled: true`. */
  metrics: metricsSchema.optional(),
  /** Thand's health check settings; Lease's health check is always `GET /health`. */
  health: ignoredSectionSchema.optional(),
  /** Lifetime of a login session. */
  session_ttl: durationSchema.optional(),
  /** How far ahead a request may schedule its start (`start_at`); default 30 days. */
  max_start_ahead: durationSchema.optional(),
  admins: adminsSchema.optional(),
  /**
   * Reverse proxies in front of the server whose X-Forwarded-For is believed (for login
   * throttling per client address). Unset: the socket's peer address is the client.
   */
  trusted_proxies: z.array(addressOrRangeSchema).optional(),
  /** Printed when the server starts; `{url}` is replaced by the server's URL. */
  motd: z.string().optional(),
  /** Drift repair: an active lease whose grant vanished from its target is granted again (default) or failed. */
  reconcile: z.strictObject({ missing: z.enum(['regrant', 'fail']).optional() }).optional(),
  /** Workflow engine: `embedded` (default; state in the store) or `temporal` (see services.temporal). */
  engine: z.enum(['embedded', 'temporal']).optional(),
  /** With engine temporal: also run a worker inside the server (default true); false when `lease worker` processes run it. */
  worker: z.boolean().optional(),
  /** OpenTelemetry traces over OTLP/HTTP (off by default): tracing.ts. */
  tracing: tracingSchema.optional(),
  /** Where durable state lives: SQLite (default) or PostgreSQL. */
  store: storeSchema.optional(),
});
export type ServerConfig = z.infer<typeof serverSchema>;

export const loggingSchema = z.strictObject({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).optional(),
  format: z.enum(['json', 'text', 'pretty']).optional(),
  /** `stderr` (default), `stdout` or a file path (Lease writes it: relative to the data directory). */
  output: z.string().min(1).optional(),
  /** When `output` is a file: how many days of dated files are kept (default 30). */
  retention: z.strictObject({ days: z.number().int().min(1).max(36_500) }).optional(),
});
export type LoggingConfig = z.infer<typeof loggingSchema>;

/** One external service's settings, free-form: the component using it checks them. */
export const serviceSchema = z.record(z.string(), z.unknown());

/** External services by name: `temporal` (services.ts), `encryption` (checked by crypto/ at start). */
export const servicesSchema = z.record(z.string().min(1), serviceSchema);
export type ServicesConfig = z.infer<typeof servicesSchema>;

/**
 * Where the server runs. Thand picks its services (vault, scheduler, encryption) by platform;
 * Lease runs the same everywhere, so only `local` is meaningful and the rest is warned about.
 */
export const environmentSchema = z.strictObject({
  platform: z.enum(['local', 'aws', 'gcp', 'azure', 'kubernetes']).default('local'),
  config: z.record(z.string(), z.unknown()).optional(),
});
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
