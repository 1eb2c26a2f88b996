// Audit forwarding (config `audit.forwarders`): one delivery loop per forwarder, each with its own
// position in the store, woken when this process appends and polling for other processes'
// entries. Sinks are loaded only for the types configured. See README.md.
import type { DutyCheck } from '../duty.js';
import { isAbsolute, resolve } from 'node:path';
import { toAuditEvent } from '../../audit/index.js';
import { forwarderName, type AuditForwarderConfig, type LoadedConfig } from '../../config/index.js';
import { parseDuration, type Clock, type Logger } from '../../core/index.js';
import type { AuditEntry, Store } from '../../store/index.js';
import { AuditForwarder } from './forwarder.js';
import type { AuditSink, ForwarderStatus } from './types.js';

export type { AuditSink, ForwarderStatus } from './types.js';
export { AuditForwarder } from './forwarder.js';

export const DEFAULT_BATCH_SIZE = 100;
export const DEFAULT_POLL_MS = 5_000;
const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;
const DEFAULT_KEEP = 5;
const DEFAULT_TIMEOUT_MS = 10_000;

export interface AuditForwardingDeps {
  config: Pick<LoadedConfig, 'audit'>;
  store: Store;
  logger: Logger;
  clock: Clock;
  dataDir: string;
  version: string;
  /** The duty check of the forwarder named so (one replica at a time forwards). */
  duty?: (name: string) => DutyCheck;
}

export interface AuditForwarding {
  status(): Promise<ForwarderStatus[]>;
  stop(): Promise<void>;
}

/** Starts every configured forwarder; undefined when none is configured. */
export async function startAuditForwarding(deps: AuditForwardingDeps): Promise<AuditForwarding | undefined> {
  const configured = deps.config.audit.forwarders ?? [];
  if (configured.length === 0) return undefined;
  const pollMs = deps.config.audit.poll_interval ? parseDuration(deps.config.audit.poll_interval, 'audit.poll_interval') : DEFAULT_POLL_MS;
  const forwarders: AuditForwarder[] = [];
  for (const [index, forwarder] of configured.entries()) {
    const sink = await createSink(forwarder, deps);
    const ocsf = forwarder.ocsf === true ? (await import('./ocsf.js')).toOcsf : undefined;
    const format = ocsf ? (entry: AuditEntry) => ocsf(toAuditEvent(entry), deps.version) : (entry: AuditEntry) => toAuditEvent(entry) as unknown as Record<string, unknown>;
    forwarders.push(
      new AuditForwarder({
        name: forwarderName(forwarder, index),
        type: forwarder.type,
        sink,
        store: deps.store,
        logger: deps.logger,
        clock: deps.clock,
        batchSize: forwarder.batch_size ?? DEFAULT_BATCH_SIZE,
        format,
        pollMs,
        ...(deps.duty ? { isMine: deps.duty(forwarderName(forwarder, index)) } : {}),
      }),
    );
  }
  const unsubscribe = deps.store.audit.onAppend?.(() => {
    for (const forwarder of forwarders) forwarder.wake();
  });
  for (const forwarder of forwarders) forwarder.start();
  deps.logger.info({ forwarders: forwarders.map((f) => f.name) }, 'audit forwarding started');
  return {
    status: () => Promise.all(forwarders.map((f) => f.status())),
    async stop() {
      unsubscribe?.();
      await Promise.all(forwarders.map((f) => f.stop()));
    },
  };
}

async function createSink(forwarder: AuditForwarderConfig, deps: AuditForwardingDeps): Promise<AuditSink> {
  const timeout = (text: string | undefined, path: string) => (text ? parseDuration(text, path) : DEFAULT_TIMEOUT_MS);
  switch (forwarder.type) {
    case 'file': {
      const { FileSink } = await import('./file-sink.js');
      const path = isAbsolute(forwarder.path) ? forwarder.path : resolve(deps.dataDir, forwarder.path);
      return new FileSink({ path, maxBytes: forwarder.max_bytes ?? DEFAULT_MAX_BYTES, keep: forwarder.keep ?? DEFAULT_KEEP });
    }
    case 'webhook': {
      const { WebhookSink } = await import('./webhook-sink.js');
      return new WebhookSink({ url: forwarder.url, secret: forwarder.secret, timeoutMs: timeout(forwarder.timeout, 'audit.forwarders.timeout'), clock: deps.clock });
    }
    case 'syslog': {
      const { SyslogSink } = await import('./syslog-sink.js');
      const url = new URL(forwarder.address);
      const tls = forwarder.tls === true ? {} : forwarder.tls === false || forwarder.tls === undefined ? undefined : forwarder.tls;
      const configDir = deps.config.audit.configDir ?? deps.dataDir;
      return new SyslogSink({
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: Number(url.port),
        ...(tls ? { tls: { ...(tls.ca_file ? { caFile: resolve(configDir, tls.ca_file) } : {}), ...(tls.server_name ? { serverName: tls.server_name } : {}) } } : {}),
        appName: forwarder.app_name ?? 'lease',
        facility: forwarder.facility ?? 13,
        timeoutMs: DEFAULT_TIMEOUT_MS,
      });
    }
    case 'otlp': {
      const { OtlpSink } = await import('./otlp-sink.js');
      return new OtlpSink({ endpoint: forwarder.endpoint, headers: forwarder.headers ?? {}, timeoutMs: timeout(forwarder.timeout, 'audit.forwarders.timeout'), serviceVersion: deps.version });
    }
  }
}
