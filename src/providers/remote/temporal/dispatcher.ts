// I/O side. Host tasks through Temporal (`agent_transport: temporal`): the server (inside a Lease
// activity on its worker) runs each host task as a `leaseHostTask` workflow on the host's own
// task queue (`lease-host-<host>`), encrypted with that host's own payload key set, and waits
// for its result. The host's worker (agent/host/temporal-worker.ts) holds that key only, never
// the namespace's main payload key: it cannot read request workflows, and the main worker
// cannot decode what the host key encrypts. See ../README.md, "Temporal".
import { join, resolve } from 'node:path';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, TimeoutFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Logger } from '../../../core/index.js';
import { encryptedDataConverter, failureConverterPath, PayloadKeys, payloadKeyFile, type TemporalSettings } from '../../../workflow/runtime/temporal/index.js';
import { ProviderConfigInvalid } from '../../errors.js';
import type { AgentBinding } from '../../provider.js';
import type { HostTaskSpec, HostTaskTransport } from '../channel.js';
import { HostOffline, HostTaskFailed, HostTimeout } from '../errors.js';
import { HOST_TASK_WORKFLOW, hostTaskQueue, hostTaskStartPolicy, hostTaskWorkflowId, type HostTaskAnswer, type HostTaskArgs } from './contract.js';

/** `<data dir>/keys/host-<host>.jwk`: the payload key set of one host's task queue. */
export function hostPayloadKeyFile(dataDir: string, host: string): string {
  return join(dataDir, 'keys', `host-${host}.jwk`);
}

export interface TemporalHostTasksOptions {
  settings: Pick<TemporalSettings, 'address' | 'namespace' | 'tls' | 'apiKey' | 'payloadKeyFile'>;
  dataDir: string;
  logger: Logger;
}

type TemporalBinding = Extract<AgentBinding, { transport: 'temporal' }>;

export class TemporalHostTasks implements HostTaskTransport {
  /** host → its key file and the first provider that bound it. */
  private readonly keyFiles = new Map<string, { file: string; provider: string }>();
  private readonly clients = new Map<string, Promise<Client>>();
  private connection: Promise<Connection> | undefined;

  constructor(private readonly options: TemporalHostTasksOptions) {}

  /** Called by the registry for each provider bound to a host with agent_transport: temporal. */
  bind(providerId: string, binding: TemporalBinding): void {
    const { dataDir, settings } = this.options;
    const field = `providers.${providerId}.config.agent_payload_key_file`;
    // Lease writes this file: a relative path is under the data directory.
    const file = binding.payloadKeyFile !== undefined ? resolve(dataDir, binding.payloadKeyFile) : resolve(hostPayloadKeyFile(dataDir, binding.host));
    // The host gets this file: it must never be the namespace's key, which decrypts every request.
    if (file === resolve(settings.payloadKeyFile ?? payloadKeyFile(dataDir))) {
      throw new ProviderConfigInvalid(`provider ${JSON.stringify(providerId)}: the host's payload key file must not be the namespace's payload key file`, field);
    }
    const bound = this.keyFiles.get(binding.host);
    if (bound && bound.file !== file) {
      throw new ProviderConfigInvalid(`providers ${JSON.stringify(bound.provider)} and ${JSON.stringify(providerId)} bind host ${JSON.stringify(binding.host)} with different payload key files`, field);
    }
    if (!bound) this.keyFiles.set(binding.host, { file, provider: providerId });
  }

  /** Loads every bound host's key set, creating missing ones (0600), so the operator can copy them to their hosts. */
  async prepare(): Promise<void> {
    for (const [host, { file }] of this.keyFiles) {
      await PayloadKeys.load(file);
      this.options.logger.info({ host, key_file: file, task_queue: hostTaskQueue(host) }, 'host agent on temporal: copy its payload key file to that host only');
    }
  }

  /**
   * Starts (or attaches to) the task's workflow on the host's queue and waits up to
   * `spec.waitMs` for its answer; then throws HostTimeout (transient: the calling activity's
   * retry attaches to the same queued workflow).
   */
  async run(spec: HostTaskSpec): Promise<unknown> {
    const client = await this.client(spec.host);
    const workflowId = hostTaskWorkflowId(spec.kind, spec.provider, spec.requestId);
    const args: HostTaskArgs = { kind: spec.kind, provider: spec.provider, payload: spec.payload };
    let handle: WorkflowHandle;
    try {
      handle = await client.workflow.start(HOST_TASK_WORKFLOW, { workflowId, taskQueue: hostTaskQueue(spec.host), args: [args], ...hostTaskStartPolicy(spec.kind) });
    } catch (err) {
      // Only a grant that completed is refused a new run: its answer stands (never granted twice).
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      handle = client.workflow.getHandle(workflowId);
    }
    const answer = await this.result(client, handle, spec);
    if (answer.outcome === 'failed') throw new HostTaskFailed(spec.host, answer.error);
    return answer.result;
  }

  /** Closes the connection (workflows stay queued in Temporal). */
  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.clients.clear();
    if (connection) await (await connection.catch(() => undefined))?.close();
  }

  private async result(client: Client, handle: WorkflowHandle, spec: HostTaskSpec): Promise<HostTaskAnswer> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), spec.waitMs);
    try {
      return (await client.withAbortSignal(abort.signal, () => handle.result())) as HostTaskAnswer;
    } catch (err) {
      if (abort.signal.aborted) throw new HostTimeout(spec.host, spec.kind);
      if (err instanceof WorkflowFailedError) throw failureOf(spec, err);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** One client per host: the same connection, the host's own data converter. */
  private client(host: string): Promise<Client> {
    let client = this.clients.get(host);
    if (!client) {
      const file = this.keyFiles.get(host)?.file;
      if (file === undefined) throw new Error(`host ${host} is not bound to a provider with agent_transport: temporal`);
      client = (async () => {
        const keys = await PayloadKeys.load(file, { create: false });
        const connection = await this.connect();
        return new Client({ connection, namespace: this.options.settings.namespace, dataConverter: { ...encryptedDataConverter(keys), failureConverterPath } });
      })();
      client.catch(() => this.clients.delete(host));
      this.clients.set(host, client);
    }
    return client;
  }

  private connect(): Promise<Connection> {
    const { settings } = this.options;
    if (!this.connection) {
      const connection = Connection.connect({
        address: settings.address,
        ...(settings.tls !== undefined ? { tls: settings.tls } : {}),
        ...(settings.apiKey !== undefined ? { apiKey: settings.apiKey } : {}),
      });
      connection.catch(() => {
        if (this.connection === connection) this.connection = undefined;
      });
      this.connection = connection;
    }
    return this.connection;
  }
}

/**
 * A failed task workflow: the host's last failure (its code and status ≥ 500, from the
 * activity's ApplicationFailure), or a timeout (nobody took the task: the host is offline).
 * Both are transient for the caller; its retry may start a new run.
 */
function failureOf(spec: HostTaskSpec, err: WorkflowFailedError): Error {
  for (let cause: Error | undefined = err.cause; cause; cause = (cause as { cause?: Error }).cause) {
    if (cause instanceof ApplicationFailure) {
      const error = cause.details?.[0] as { code?: unknown; message?: unknown; status?: unknown } | undefined;
      if (typeof error?.code === 'string' && typeof error.message === 'string' && typeof error.status === 'number') {
        return new HostTaskFailed(spec.host, { code: error.code, message: error.message, status: Math.max(error.status, 500) });
      }
    }
    if (cause instanceof TimeoutFailure) return new HostOffline(spec.host);
  }
  return new HostTaskFailed(spec.host, { code: 'host_task_failed', message: err.message, status: 502 });
}
