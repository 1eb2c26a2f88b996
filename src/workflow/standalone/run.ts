// Runs one workflow on its own (outside any request) on the embedded runtime with an in-memory
// store, delivering the given events in order, until it completes or faults.
import { silentLogger, systemClock, type Logger } from '../../core/index.js';
import { openSqliteStore } from '../../store/index.js';
import type { ExpressionEngine, WorkflowDocument, WorkflowError, WorkflowEvent } from '../interpreter/types.js';
import { EmbeddedRuntime, type Checkpoint } from '../runtime/embedded/index.js';
import { environmentSecret } from '../runtime/environment-secrets.js';
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
}): Promise<StandaloneResult> {
  const store = await openSqliteStore({ file: ':memory:' });
  const calls: DryRunRecord[] = [];
  const runtime = new EmbeddedRuntime({
    store,
    clock: systemClock,
    expressions: args.expressions,
    logger: args.logger ?? silentLogger,
    activities: createDryRunCalls(systemClock, (entry) => {
      calls.push(entry);
      args.logger?.info({ call: entry.call, task: entry.task }, 'dry run');
    }),
    secrets: environmentSecret,
  });
  const id = 'standalone';
  try {
    await runtime.start({ instanceId: id, workflow: args.document.document?.name ?? 'workflow', document: args.document, input: args.input });
    for (const event of args.events) await runtime.signal(id, event);
    const deadline = Date.now() + (args.timeoutMs ?? 10 * 60_000);
    for (;;) {
      const record = await store.workflows.get(id);
      const state = (record?.state as Checkpoint | undefined)?.state;
      if (record && record.status !== 'running' && state) {
        await runtime.idle();
        return { status: state.status, ...(state.output !== undefined ? { output: state.output } : {}), ...(state.error ? { error: state.error } : {}), calls };
      }
      if (Date.now() > deadline) throw new Error(`the workflow is still ${state?.status ?? 'starting'} after ${args.timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await runtime.stop();
    await store.close();
  }
}
