// `npm run bench`: what keeping login state in the store (so replicas share it) costs.
//   1. Store level (dist/, a SQLite file in a temp dir): one browser login's store work
//      (add → takeByState → authenticate → redeem), one failed password's throttle work
//      (two failure inserts and the two look-ups of the next attempt), a paced turn.
//   2. Two real `lease server` replicas on one data directory (the Temporal engine, on a Temporal
//      dev server: a store takes one embedded-engine server only): password logins (the
//      throttle's look-ups on every attempt), sequential latency and concurrent throughput,
//      alternating between the replicas.
//   node bench/shared-state.mjs [--store=5000] [--logins=200] [--concurrency=8]
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../dist/identity/index.js';
import { openSqliteStore } from '../dist/store/index.js';
import { tsImport } from 'tsx/esm/api';

const ROOT = new URL('..', import.meta.url).pathname;
const { startTemporal } = await tsImport('../test/support/temporal.ts', import.meta.url);
const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const STORE_N = arg('store', 5000);
const LOGINS_N = arg('logins', 200);
const CONCURRENCY = arg('concurrency', 8);

const dir = await mkdtemp(join(tmpdir(), 'lease-bench-shared-state-'));
const identity = { id: 'u-bench', provider: 'corp', provider_type: 'oidc', groups: [] };

function perOp(label, totalMs, n) {
  console.log(`${label.padEnd(58)} ${((totalMs * 1000) / n).toFixed(1).padStart(8)} µs/op  (${n} ops)`);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function storeLevel() {
  const store = await openSqliteStore({ file: join(dir, 'store', 'lease.db') });
  try {
    const now = Date.now();
    let t0 = performance.now();
    for (let i = 0; i < STORE_N; i++) {
      await store.loginAttempts.add({ id_hash: `id-${i}`, state_hash: `state-${i}`, provider: 'corp', redirect: 'http://127.0.0.1:1/cb', method: null, sealed_checks: 'x'.repeat(200), expires_at: now + 600_000 }, now, 1_000_000);
      await store.loginAttempts.takeByState(`state-${i}`, now);
      await store.loginAttempts.authenticate(`id-${i}`, identity, `code-${i}`, now + 60_000, now + 600_000);
      await store.loginAttempts.redeem(`id-${i}`, `code-${i}`);
    }
    perOp('browser login: add + takeByState + authenticate + redeem', performance.now() - t0, STORE_N);

    t0 = performance.now();
    for (let i = 0; i < STORE_N; i++) {
      const key = `user-${i % 500}`;
      await store.loginFailures.add(`${key}:addr`, now + i, now + i + 900_000);
      await store.loginFailures.add(key, now + i, now + i + 900_000);
      await store.loginFailures.recent(`${key}:addr`, now + i, 10);
      await store.loginFailures.recent(key, now + i, 50);
    }
    perOp('failed password: 2 failure inserts + 2 window look-ups', performance.now() - t0, STORE_N);

    t0 = performance.now();
    for (let i = 0; i < STORE_N; i++) await store.loginFailures.takeTurn(`paced-${i % 100}`, now, 1, 1_000_000_000);
    perOp('paced turn (one upsert … RETURNING)', performance.now() - t0, STORE_N);

    t0 = performance.now();
    for (let i = 0; i < STORE_N; i++) await store.seenCallbacks.claim(`saml-assertion:${i}`, now + 300_000);
    perOp('SAML assertion id claim (prune + INSERT … DO NOTHING)', performance.now() - t0, STORE_N);
  } finally {
    await store.close();
  }
}

function startServer(configDir, dataDir) {
  const child = spawn(process.execPath, [join(ROOT, 'bin/lease.js'), 'server', '--config', configDir, '--data', dataDir, '--port', '0'], {
    env: { ...process.env, LEASE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`lease server exited ${code}:\n${out}`)));
  });
}

async function waitHealthy(url) {
  for (let i = 0; i < 2400; i++) {
    try {
      if ((await fetch(`${url}/health`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url}/health never answered`);
}

const stop = (child) => (child.exitCode !== null ? Promise.resolve() : new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))));

async function serverLevel() {
  const password = 'bench-password';
  const configDir = join(dir, 'config');
  await mkdir(configDir, { recursive: true });
  await writeFile(
    join(configDir, 'providers.yaml'),
    `version: "1.0"
providers:
  local:
    name: Local
    provider: local
    config:
      users:
        bench: { password_hash: '${await hashPassword(password)}', groups: [eng] }
`,
  );
  const temporal = await startTemporal({ inMemory: true });
  await writeFile(
    join(configDir, 'server.yaml'),
    `version: "1.0"
server:
  engine: temporal
services:
  temporal:
    address: ${temporal.address}
    namespace: ${temporal.namespace}
    task_queue: lease-bench-shared-state
`,
  );
  const data = join(dir, 'data');
  const a = await startServer(configDir, data);
  await waitHealthy(a.url);
  const b = await startServer(configDir, data);
  await waitHealthy(b.url);
  const replicas = [a.url, b.url];
  const login = async (i) => {
    const r = await fetch(`${replicas[i % 2]}/api/v1/auth/local/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password }) });
    if (r.status !== 200) throw new Error(`login answered ${r.status}`);
    await r.arrayBuffer();
  };
  try {
    for (let i = 0; i < 10; i++) await login(i);
    const latencies = [];
    for (let i = 0; i < LOGINS_N; i++) {
      const t0 = performance.now();
      await login(i);
      latencies.push(performance.now() - t0);
    }
    latencies.sort((x, y) => x - y);
    console.log(`password login, alternating replicas (sequential, ${LOGINS_N}): p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`);
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < LOGINS_N) await login(next++);
      }),
    );
    console.log(`password logins/s over both replicas (${CONCURRENCY} clients, ${LOGINS_N}): ${((LOGINS_N * 1000) / (performance.now() - t0)).toFixed(0)}`);
  } finally {
    await stop(a.child);
    await stop(b.child);
    await temporal.stop();
  }
}

try {
  console.log('bench/shared-state: login state in the store (SQLite, one file)');
  await storeLevel();
  await serverLevel();
} finally {
  await rm(dir, { recursive: true, force: true });
}
