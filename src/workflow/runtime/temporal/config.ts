// `services.temporal` resolved for the SDK. The config loader checks the section with
// temporalServiceSchema (config/schema/services.ts), so `lease config validate` and start-up
// agree; here it becomes connection settings. Relative paths follow the config rule: files
// Lease reads (certificates, keys) are relative to the directory of the config file that names
// them; the payload key file, which Lease writes when missing, is relative to the data directory.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ConnectionOptions } from '@temporalio/client';
import { InvalidInput } from '../../../core/index.js';
import { temporalServiceSchema, type TemporalServiceConfig } from '../../../config/index.js';
import { DEFAULT_TASK_QUEUE } from './contract.js';

/** The checked settings, resolved for the SDK. */
export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  tls?: ConnectionOptions['tls'];
  apiKey?: string;
  /** Absolute. */
  payloadKeyFile?: string;
}

/** Where relative paths in the section resolve. */
export interface TemporalPathBases {
  /** Directory of the config file that declares `services.temporal`. */
  configDir: string;
  /** The server's data directory. */
  dataDir: string;
}

/** Checks and resolves `services.temporal`; throws InvalidInput naming the field. */
export async function temporalSettings(section: unknown, bases: TemporalPathBases): Promise<TemporalSettings> {
  const parsed = temporalServiceSchema.safeParse(section ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = ['services', 'temporal', ...issue.path.map(String)].join('.');
    throw new InvalidInput(`${path}: ${issue.message}`, path);
  }
  const s = parsed.data;
  const settings: TemporalSettings = {
    address: s.address ?? `${s.host ?? 'localhost'}:${s.port ?? 7233}`,
    namespace: s.namespace,
    taskQueue: s.task_queue ?? DEFAULT_TASK_QUEUE,
  };
  const tls = await resolveTls(s, bases.configDir);
  if (tls !== undefined) settings.tls = tls;
  if (s.api_key !== undefined) settings.apiKey = s.api_key;
  if (s.payload_key_file !== undefined) settings.payloadKeyFile = resolve(bases.dataDir, s.payload_key_file);
  return settings;
}

async function resolveTls(s: TemporalServiceConfig, configDir: string): Promise<ConnectionOptions['tls']> {
  const read = (field: string, file: string) =>
    readFile(resolve(configDir, file)).catch((err: unknown) => {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err);
      throw new InvalidInput(`services.temporal.${field}: cannot read ${resolve(configDir, file)}: ${reason}`, `services.temporal.${field}`);
    });
  // Thand's client certificate keys: mTLS, which implies TLS.
  const certFile = s.mtls_cert_file ?? s.mtls_cert_path;
  const thandPair =
    s.mtls_cert !== undefined && s.mtls_key !== undefined
      ? { crt: Buffer.from(s.mtls_cert), key: Buffer.from(s.mtls_key) }
      : certFile !== undefined && s.mtls_key_file !== undefined
        ? { crt: await read(s.mtls_cert_file !== undefined ? 'mtls_cert_file' : 'mtls_cert_path', certFile), key: await read('mtls_key_file', s.mtls_key_file) }
        : undefined;
  const tls = s.tls;
  if (tls === undefined || typeof tls === 'boolean') {
    if (thandPair !== undefined) return { clientCertPair: thandPair };
    return tls;
  }
  return {
    ...(tls.server_name ? { serverNameOverride: tls.server_name } : {}),
    ...(tls.ca_file ? { serverRootCACertificate: await read('tls.ca_file', tls.ca_file) } : {}),
    ...(tls.cert_file && tls.key_file ? { clientCertPair: { crt: await read('tls.cert_file', tls.cert_file), key: await read('tls.key_file', tls.key_file) } } : {}),
    ...(thandPair !== undefined ? { clientCertPair: thandPair } : {}),
  };
}
