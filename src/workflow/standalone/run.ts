// Runs one workflow on its own (outside any request) on the embedded runtime with an in-memory
// store, delivering the given events in order, until it completes or faults.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId, silentLogger, systemClock, type Logger } from '../../core/index.js';
import { openSqliteStore } from '../../store/index.js';
import type { ExpressionEngine, WorkflowDocument, WorkflowError, WorkflowEvent } from '../interpreter/types.js';
import { EmbeddedRuntime, type Checkpoint } from '../runtime/embedded/index.js';
import { environmentSecret } from '../runtime/environment-secrets.js';
import type { WorkflowRuntime } from '../runtime/runtime.js';
import { createDryRunCalls, type DryRunRecord } from './dry-run-calls.js';

export interface StandaloneResult {
  status: string;
  output?: unknown;
  error?: WorkflowError;
  calls: DryRunRecord[];
}

export async function runStandalone(args: {
  document: WorkflowDocument;
  input: unknown;
  events: WorkflowEvent[];
  expressions: ExpressionEngine;
  logger?: Logger;
  timeoutMs?: number;
  /** Run on a Temporal server at this address (a worker runs in this process) instead of the embedded runtime. */
  temporalAddress?: string;
}): Promise<StandaloneResult> {
  const store = await openSqliteStore({ file: ':memory:' });
  const calls: DryRunRecord[] = [];
  const logger = args.logger ?? silentLogger;
  const activities = createDryRunCalls(systemClock, (entry) => {
    calls.push(entry);
    args.logger?.info({ call: entry.call, task: entry.task }, 'dry run');
  });
  const id = newId('run');
  let runtime: WorkflowRuntime;
  let stopEngine: () => Promise<void>;
  if (args.temporalAddress) {
    const temporal = await import('../runtime/temporal/index.js');
    const keyDir = await mkdtemp(join(tmpdir(), 'lease-run-'));
    const keys = await temporal.PayloadKeys.load(temporal.payloadKeyFile(keyDir));
    const settings = { address: args.temporalAddress, namespace: 'default', taskQueue: `lease-run-${id}` };
    // Connected side by side: the worker's start (loading the workflow bundle) and the client's connection overlap.
    const [worker, client] = await Promise.allSettled([
      temporal.runWorker({ settings, keys, deps: { store, calls: activities, expressions: args.expressions, logger, secrets: environmentSecret } }),
      temporal.TemporalRuntime.connect({ store, logger, settings, keys }),
    ]);
    if (worker.status === 'rejected' || client.status === 'rejected') {
      if (client.status === 'fulfilled') await client.value.stop();
      if (worker.status === 'fulfilled') await worker.value.stop();
      await rm(keyDir, { recursive: true, force: true });
      await store.close();
      throw worker.status === 'rejected' ? worker.reason : (client as PromiseRejectedResult).reason;
    }
    runtime = client.value;
    stopEngine = async () => {
      await client.value.stop();
      await worker.value.stop();
      await rm(keyDir, { recursive: true, force: true });
    };
  } else {
    const embedded = new EmbeddedRuntime({ store, clock: systemClock, expressions: args.expressions, logger, activities, secrets: environmentSecret });
    runtime = embedded;
    stopEngine = async () => {
      await embedded.idle();
      await embedded.stop();
    };
  }
  try {
    await runtime.start({ instanceId: id, workflow: args.document.document?.name ?? 'workflow', document: args.document, input: args.input });
    for (const event of args.events) await runtime.signal(id, event);
    const deadline = Date.now() + (args.timeoutMs ?? 10 * 60_000);
    for (;;) {
      const record = await store.workflows.get(id);
      const state = (record?.state as Checkpoint | undefined)?.state;
      if (record && record.status !== 'running' && state) {
        return { status: state.status, ...(state.output !== undefined ? { output: state.output } : {}), ...(state.error ? { error: state.error } : {}), calls };
      }
      if (Date.now() > deadline) throw new Error(`the workflow is still ${state?.status ?? 'starting'} after ${args.timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await stopEngine();
    await store.close();
  }
}
