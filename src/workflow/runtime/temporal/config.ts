// `services.temporal` in the server configuration. The config loader keeps services free-form;
// the Temporal runtime checks its own section here.
//
//   services:
//     temporal:
//       address: temporal.internal:7233     # or host + port (Thand's shape)
//       namespace: lease-prod               # one namespace per environment
//       task_queue: lease                   # optional
//       tls: true                           # or {server_name, ca_file, cert_file, key_file} (mTLS)
//       api_key: ${TEMPORAL_API_KEY}        # optional (Temporal Cloud)
//       payload_key_file: /etc/lease/payload.jwk   # optional; default <data dir>/keys/payload.jwk
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from '@temporalio/client';
import { z } from 'zod';
import { InvalidInput } from '../../../core/index.js';
import { DEFAULT_TASK_QUEUE } from './contract.js';

const tlsSchema = z.union([
  z.boolean(),
  z.strictObject({
    server_name: z.string().min(1).optional(),
    ca_file: z.string().min(1).optional(),
    cert_file: z.string().min(1).optional(),
    key_file: z.string().min(1).optional(),
  }).refine((t) => !t.cert_file === !t.key_file, 'cert_file and key_file go together (mTLS)'),
]);

export const temporalServiceSchema = z
  .strictObject({
    address: z.string().min(1).optional(),
    host: z.string().min(1).optional(),
    port: z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.number().int().min(1).max(65535)).optional(),
    namespace: z.string().min(1).default('default'),
    task_queue: z.string().min(1).default(DEFAULT_TASK_QUEUE),
    tls: tlsSchema.optional(),
    api_key: z.string().min(1).optional(),
    payload_key_file: z.string().min(1).optional(),
  })
  .refine((s) => s.address !== undefined || s.host !== undefined, 'set address (host:port) or host')
  .refine((s) => !(s.address !== undefined && s.host !== undefined), 'set address or host, not both');

export type TemporalServiceInput = z.input<typeof temporalServiceSchema>;

/** The checked settings, resolved for the SDK. */
export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  tls?: ConnectionOptions['tls'];
  apiKey?: string;
  payloadKeyFile?: string;
}

/** Checks `services.temporal` (free-form in the config schema); throws InvalidInput naming the field. */
export async function temporalSettings(section: unknown): Promise<TemporalSettings> {
  const parsed = temporalServiceSchema.safeParse(section ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = ['services', 'temporal', ...issue.path.map(String)].join('.');
    throw new InvalidInput(`${path}: ${issue.message}`, path);
  }
  const s = parsed.data;
  const settings: TemporalSettings = {
    address: s.address ?? `${s.host}:${s.port ?? 7233}`,
    namespace: s.namespace,
    taskQueue: s.task_queue,
  };
  if (s.tls !== undefined) settings.tls = await resolveTls(s.tls);
  if (s.api_key !== undefined) settings.apiKey = s.api_key;
  if (s.payload_key_file !== undefined) settings.payloadKeyFile = s.payload_key_file;
  return settings;
}

async function resolveTls(tls: z.infer<typeof tlsSchema>): Promise<ConnectionOptions['tls']> {
  if (typeof tls === 'boolean') return tls;
  return {
    ...(tls.server_name ? { serverNameOverride: tls.server_name } : {}),
    ...(tls.ca_file ? { serverRootCACertificate: await readFile(tls.ca_file) } : {}),
    ...(tls.cert_file && tls.key_file ? { clientCertPair: { crt: await readFile(tls.cert_file), key: await readFile(tls.key_file) } } : {}),
  };
}
