// Start-up figures, every one a wall time of a real `lease` process spawned from bin/lease.js:
//   node bench/startup.mjs [--runs=10]
// - cold start: spawn `lease server` with the example config → first 200 from /ready, on an
//   empty data directory (first start: the store is created and migrated) and again on the
//   same directory (a restart);
// - `lease status <id>` against a running server with a logged-in session (the encrypted
//   session vault under $LEASE_HOME, as `lease login` leaves it);
// - `lease --help`.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const LEASE = join(ROOT, 'bin/lease.js');
const EXAMPLES = join(ROOT, 'examples');
const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const RUNS = arg('runs', 10);

const pct = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const fmt = (ms) => `${ms.toFixed(0)} ms`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Spawns `lease server` in `dir` (the example's relative paths follow it) and resolves once /ready answers 200. */
async function startServer(dir) {
  const start = performance.now();
  const child = spawn(process.execPath, [LEASE, 'server', '--config', EXAMPLES, '--data', join(dir, 'data'), '--port', '0'], {
    cwd: dir,
    env: { ...process.env, LEASE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`lease server exited ${code} before listening:\n${log}`)));
  });
  for (;;) {
    const res = await fetch(`${url}/ready`).catch(() => undefined);
    if (res?.status === 200) break;
    await sleep(2);
  }
  const ms = performance.now() - start;
  return {
    url,
    ms,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs `lease ...args` to completion; rejects on a non-zero exit. */
function lease(args, { env = {}, input } = {}) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [LEASE, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(input);
    child.once('exit', (code) => {
      const ms = performance.now() - start;
      if (code === 0) resolve({ stdout, ms });
      else reject(new Error(`lease ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

const dirs = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lease-bench-start-'));
  dirs.push(dir);
  return dir;
};

try {
  const first = [];
  const restart = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = await tempDir();
    for (const times of [first, restart]) {
      const server = await startServer(dir);
      times.push(server.ms);
      await server.stop();
    }
  }

  const dir = await tempDir();
  const server = await startServer(dir);
  const env = { LEASE_HOME: join(dir, 'home') };
  let status = [];
  let help = [];
  try {
    // alice's demo password is in examples/providers.yaml.
    await lease(['login', '--server', server.url, '--provider', 'local', '--username', 'alice', '--password-stdin'], { env, input: 'alice-demo-password\n' });
    const request = JSON.parse((await lease(['request', '--role', 'debug', '--provider', 'local-sudo', '--duration', '10m', '--reason', 'bench', '--json'], { env })).stdout);
    for (let i = 0; i < RUNS; i++) status.push((await lease(['status', request.id], { env })).ms);
    for (let i = 0; i < RUNS; i++) help.push((await lease(['--help'], { env })).ms);
  } finally {
    await server.stop();
  }

  console.log(`\nLease start-up (example config; wall time from spawn; node ${process.version}; n=${RUNS} each)`);
  console.log(`cold start → healthy      p50 ${fmt(pct(first, 50))}  p99 ${fmt(pct(first, 99))}  (empty data directory: store created)`);
  console.log(`restart → healthy         p50 ${fmt(pct(restart, 50))}  p99 ${fmt(pct(restart, 99))}  (same data directory)`);
  console.log(`lease status <id>         p50 ${fmt(pct(status, 50))}  p99 ${fmt(pct(status, 99))}  (logged in, server running)`);
  console.log(`lease --help              p50 ${fmt(pct(help, 50))}  p99 ${fmt(pct(help, 99))}`);
} finally {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}
