// Runs every conformance case on the embedded runtime, with a real SQLite store in a temp dir.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { silentLogger, systemClock } from '../../core/index.js';
import { openSqliteStore, type Store } from '../../store/index.js';
import { createJqEngine } from '../expressions/index.js';
import { ActivityFailure } from '../runtime/activities.js';
import { EmbeddedRuntime, type Checkpoint } from '../runtime/embedded/runtime.js';
import { CannedFailure, loadConformanceCases, runConformanceCase, type ConformanceDriver } from './run.js';

const engine = await createJqEngine();
const RESULT_TIMEOUT_MS = 60_000;

interface Handle {
  id: string;
  store: Store;
  runtime: EmbeddedRuntime;
  calls: string[];
  dir: string;
}

const embeddedDriver: ConformanceDriver<Handle> = {
  async start(doc, input, activities) {
    const dir = await mkdtemp(join(tmpdir(), 'lease-conformance-'));
    const store = await openSqliteStore({ file: join(dir, 'lease.db') });
    const runtime = new EmbeddedRuntime({
      store,
      clock: systemClock,
      expressions: engine,
      logger: silentLogger,
      activities: async (name, args) => {
        try {
          return await activities.run(name, args);
        } catch (err) {
          if (err instanceof CannedFailure) throw new ActivityFailure(err.error);
          throw err;
        }
      },
    });
    await runtime.start({ instanceId: 'wf', workflow: doc.document.name, document: doc, input });
    return { id: 'wf', store, runtime, calls: activities.calls, dir };
  },
  async signal(handle, event) {
    await handle.runtime.signal(handle.id, event);
  },
  async result(handle) {
    const deadline = Date.now() + RESULT_TIMEOUT_MS;
    try {
      for (;;) {
        const record = await handle.store.workflows.get(handle.id);
        const state = (record?.state as Checkpoint | undefined)?.state;
        if (record && record.status !== 'running' && state) {
          await handle.runtime.idle();
          return { status: state.status, output: state.output, ...(state.error ? { error: state.error } : {}), calls: [...handle.calls] };
        }
        if (Date.now() > deadline) throw new Error(`workflow still ${state?.status ?? 'missing'} after ${RESULT_TIMEOUT_MS} ms: ${JSON.stringify(state)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      await handle.runtime.stop();
      await handle.store.close();
      await rm(handle.dir, { recursive: true, force: true });
    }
  },
};

describe('conformance on the embedded runtime', () => {
  for (const c of loadConformanceCases()) {
    it(`${c.name}${c.description ? ` — ${c.description}` : ''}`, async () => {
      await runConformanceCase(c, embeddedDriver);
    });
  }
});
