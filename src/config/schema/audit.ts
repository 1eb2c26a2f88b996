// The `audit` section: where the audit log is forwarded (SIEM, files) and how long it is kept.
// Strict: a misspelt key could silently stop forwarding or shorten retention, so unknown keys
// are errors.
import { z } from 'zod';
import { durationSchema } from './duration.js';
import { entryIdSchema } from './ids.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

const batchSizeSchema = z.number().int().min(1).max(10_000).meta({ description: 'Events per delivery (default 100)' });

const common = {
  /** The forwarder's position in the log is kept under this name (default `<type>-<n>`, n from 1 in list order). */
  name: entryIdSchema.optional(),
  batch_size: batchSizeSchema.optional(),
  /** Send OCSF events (docs/audit-events.md) instead of the lease.audit.v1 envelope. */
  ocsf: z.boolean().optional(),
};

export const fileForwarderSchema = z.strictObject({
  type: z.literal('file'),
  ...common,
  /** JSON lines; relative to the data directory. */
  path: z.string().min(1),
  /** Rotate when the file would grow past this many bytes (default 100 MiB). */
  max_bytes: z.number().int().min(1024).optional(),
  /** Rotated files kept (`path.1` newest … `path.N`); default 5. */
  keep: z.number().int().min(0).max(1000).optional(),
});

/** `tcp://host:port` (syslog over TCP, RFC 6587 octet counting). */
const syslogAddressSchema = z.string().refine((value) => {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'tcp:' && url.hostname !== '' && url.port !== '' && url.pathname === '' && url.username === '';
}, 'expected tcp://host:port');

export const syslogForwarderSchema = z.strictObject({
  type: z.literal('syslog'),
  ...common,
  address: syslogAddressSchema,
  /** TLS to the receiver: true (system CAs), or the CA file (relative to this config file) and the name to expect. */
  tls: z
    .union([
      z.boolean(),
      z.strictObject({
        ca_file: z.string().min(1).optional(),
        server_name: z.string().min(1).optional(),
      }),
    ])
    .optional(),
  /** RFC 5424 APP-NAME (default lease). */
  app_name: z.string().regex(/^[!-~]{1,48}$/, 'expected 1–48 printable ASCII characters without spaces').optional(),
  /** Facility number (default 13, log audit). */
  facility: z.number().int().min(0).max(23).optional(),
});

/** https, or http to a loopback address only: audit events are not sent in clear over a network. */
const webhookUrlSchema = z.url().refine((value) => {
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}, 'expected an https URL (http only on a loopback address)');

export const webhookForwarderSchema = z.strictObject({
  type: z.literal('webhook'),
  ...common,
  url: webhookUrlSchema,
  /** HMAC-SHA256 key for X-Lease-Signature; use ${ENV}. */
  secret: z.string().min(16, 'expected at least 16 characters'),
  /** How long one delivery may take (default 10s). */
  timeout: durationSchema.optional(),
});

export const otlpForwarderSchema = z.strictObject({
  type: z.literal('otlp'),
  ...common,
  /** OTLP/HTTP base URL (`/v1/logs` is appended), e.g. http://collector:4318. */
  endpoint: z.url().refine((value) => /^https?:$/.test(new URL(value).protocol), 'expected an http or https URL'),
  /** Extra headers (an API key...); values may use ${ENV}. */
  headers: z.record(z.string().min(1), z.string()).optional(),
  timeout: durationSchema.optional(),
});

export const auditForwarderSchema = z.discriminatedUnion('type', [fileForwarderSchema, syslogForwarderSchema, webhookForwarderSchema, otlpForwarderSchema]);
export type AuditForwarderConfig = z.infer<typeof auditForwarderSchema>;

export const auditRetentionSchema = z.strictObject({
  /** Entries older than this many days are pruned behind a signed checkpoint (default 90). */
  days: z.number().int().min(1).optional(),
  /** Pruning deletes only what every forwarder has delivered (default true); see docs/operations.md. */
  require_forwarded: z.boolean().optional(),
});

export const auditSchema = z
  .strictObject({
    forwarders: z.array(auditForwarderSchema).optional(),
    retention: auditRetentionSchema.optional(),
    /** How often forwarders look for entries other processes appended (default 5s). */
    poll_interval: durationSchema.optional(),
  })
  .superRefine((audit, ctx) => {
    const seen = new Map<string, number>();
    (audit.forwarders ?? []).forEach((forwarder, index) => {
      const name = forwarderName(forwarder, index);
      const first = seen.get(name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['forwarders', index, 'name'], message: `"${name}" is also the name of forwarder ${first + 1}: names must differ` });
      else seen.set(name, index);
    });
  })
  .meta({ description: 'Audit forwarding and retention' });
export type AuditConfig = z.infer<typeof auditSchema>;

/** A forwarder's name: its own, or `<type>-<n>` by its place in the list (n from 1). */
export function forwarderName(forwarder: Pick<AuditForwarderConfig, 'type' | 'name'>, index: number): string {
  return forwarder.name ?? `${forwarder.type}-${index + 1}`;
}
