// Runs every conformance case on the Temporal runtime, against a real Temporal dev server
// (test/support/temporal.ts): one server and one in-process worker for the whole file. Each case
// gets its own instance id; the worker's activity handler routes a call to that case's canned
// activities by instance id.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTemporalDevServer } from '../../../test/support/temporal.js';
import { silentLogger } from '../../core/index.js';
import { openSqliteStore } from '../../store/index.js';
import { createJqEngine } from '../expressions/index.js';
import { ActivityFailure, type ActivityHandler } from '../runtime/activities.js';
import { isTemporalCheckpoint } from '../runtime/temporal/checkpoint.js';
import { TemporalRuntime } from '../runtime/temporal/client.js';
import { PayloadKeys, payloadKeyFile } from '../runtime/temporal/payload-keys.js';
import { runWorker } from '../runtime/temporal/worker.js';
import { CannedFailure, loadConformanceCases, runConformanceCase, type CannedActivities, type ConformanceDriver } from './run.js';

const RESULT_TIMEOUT_MS = 60_000;

/**
 * Cases that cannot pass on Temporal because of a real runtime difference, by case name, with
 * the reason. Empty: every case passes.
 */
const TODO: Record<string, string> = {};

interface Handle {
  id: string;
  calls: string[];
}

test('conformance on the temporal runtime (real dev server)', async (t) => {
  const server = await startTemporalDevServer(t);
  if (!server) return;
  const dataDir = await mkdtemp(join(tmpdir(), 'lease-conformance-temporal-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const store = await openSqliteStore({ file: join(dataDir, 'lease.db') });
  const keys = await PayloadKeys.load(payloadKeyFile(dataDir));

  /** The canned activities of each running case, by instance id. */
  const cases = new Map<string, CannedActivities>();
  const calls: ActivityHandler = async (name, args, ctx) => {
    const activities = cases.get(ctx.instanceId);
    if (!activities) throw new ActivityFailure({ type: 'https://lease.dev/errors/test', status: 500, title: 'no_case', detail: `no conformance case runs as ${ctx.instanceId}` });
    try {
      return await activities.run(name, args);
    } catch (err) {
      if (err instanceof CannedFailure) throw new ActivityFailure(err.error);
      throw err;
    }
  };

  const settings = { address: server.address, namespace: server.namespace, taskQueue: `lease-conformance-${process.pid}` };
  const worker = await runWorker({
    settings,
    keys,
    deps: { store, calls, expressions: await createJqEngine(), logger: silentLogger },
    stickyQueueTimeout: '1s',
  });
  const runtime = await TemporalRuntime.connect({ store, logger: silentLogger, settings, keys });
  t.after(async () => {
    await runtime.stop();
    await worker.stop();
    await store.close();
  });

  let counter = 0;
  const driver: ConformanceDriver<Handle> = {
    async start(doc, input, activities) {
      const id = `conformance_${process.pid}_${++counter}`;
      cases.set(id, activities);
      await runtime.start({ instanceId: id, workflow: doc.document.name, document: doc, input });
      return { id, calls: activities.calls };
    },
    async signal(handle, event) {
      await runtime.signal(handle.id, event);
    },
    async result(handle) {
      let timer: NodeJS.Timeout | undefined;
      try {
        // The workflow records its last step (the row below) before it returns.
        await Promise.race([
          runtime.client.workflow.getHandle(handle.id).result(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`workflow ${handle.id} did not end within ${RESULT_TIMEOUT_MS} ms`)), RESULT_TIMEOUT_MS);
          }),
        ]);
        await runtime.idle();
        const row = await store.workflows.get(handle.id);
        const state = row && isTemporalCheckpoint(row.state) ? row.state.state : null;
        if (!state) throw new Error(`workflow ${handle.id} ended with no recorded state`);
        return { status: state.status, output: state.output, ...(state.error ? { error: state.error } : {}), calls: [...handle.calls] };
      } finally {
        clearTimeout(timer);
        cases.delete(handle.id);
      }
    },
  };

  for (const c of loadConformanceCases()) {
    const todo = TODO[c.name];
    await t.test(`${c.name}${c.description ? ` — ${c.description}` : ''}`, todo ? { todo } : {}, async () => {
      await runConformanceCase(c, driver);
    });
  }
});
