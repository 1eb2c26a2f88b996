// `npm run bench`: runs `lease server` on embedded defaults (SQLite, embedded runtime, sudo
// provider writing into a temp directory) and prints request→active latency, expiry→revoked
// lag for leases expiring together, sustained requests/s and RSS with many active leases, then
// RSS after a restart that recovers them all. Everything goes through the public HTTP API of a
// real server process. A phase given 0 (`--latency=0 --throughput=0 --expiry=0`) is skipped;
// `npm run bench` runs the 100,000-lease figure as its own step that way, since creating them
// through the API takes minutes.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, loginBenchUser, measureRequestToActive, measureThroughput, percentile as pct, pool, requestClient, writeRequestBenchConfig } from './request-load.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const LATENCY_N = arg('latency', 300);
const EXPIRY_N = arg('expiry', 1000);
const THROUGHPUT_N = arg('throughput', 3000);
const ACTIVE_N = arg('active', 10000);
const CONCURRENCY = arg('concurrency', 32);
// Seconds to leave the restarted server idle before reading its RSS again: V8 keeps the heap it
// grew for a burst's garbage until its memory reducer runs (~100 s after the burst).
const SETTLE_S = arg('settle', 0);

const dir = await mkdtemp(join(tmpdir(), 'lease-bench-'));
const password = 'bench-password';
const config = await writeRequestBenchConfig(dir, password);

let port = 0;
function startServer() {
  const child = spawn(process.execPath, [join(ROOT, 'bin/lease.js'), 'server', '--config', config, '--data', join(dir, 'data'), '--port', String(port)], {
    env: { ...process.env, LEASE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const listening = new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { child, listening };
}
const stopServer = (child) => {
  child.kill('SIGTERM');
  return new Promise((r) => child.once('exit', r));
};
const first = startServer();
let server = first.child;
const url = await first.listening;
// A restart listens on the same port, so the client below keeps its URL.
port = Number(new URL(url).port);

const client = requestClient(url, await loginBenchUser(url, password));
const { createRequest, getRequest, waitUntilGranted } = client;
const rssMiB = async () => {
  const status = await readFile(`/proc/${server.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
};

const lines = [];

try {
  // 1. request → active, one at a time (auto-approve default workflow).
  const { observed: latencies } = await measureRequestToActive([client], LATENCY_N);
  if (LATENCY_N > 0) lines.push(`request → active          p50 ${fmt(pct(latencies, 50))}  p99 ${fmt(pct(latencies, 99))}  (n=${LATENCY_N}, sequential)`);

  // 2. sustained throughput with concurrent clients: requests accepted, and all of them granted.
  if (THROUGHPUT_N > 0) {
    const { accepted, granted } = await measureThroughput([client], THROUGHPUT_N, CONCURRENCY);
    lines.push(`sustained requests/s      ${granted.toFixed(0)} req/s granted  (${accepted.toFixed(0)} req/s accepted; n=${THROUGHPUT_N}, ${CONCURRENCY} concurrent clients)`);
  }

  // 3. expiry → revoked lag: leases whose expiries all fall on the same instant.
  if (EXPIRY_N > 0) {
    const target = Date.now() + 5_000 + EXPIRY_N * 3;
    const expiring = await pool(EXPIRY_N, CONCURRENCY, () => createRequest(`${Math.max(1, target - Date.now())}ms`));
    await new Promise((r) => setTimeout(r, Math.max(0, target - Date.now()) + 500));
    const lags = [];
    for (const { id } of expiring) {
      let r = await getRequest(id);
      while (r.status !== 'revoked') {
        await new Promise((res) => setTimeout(res, 100));
        r = await getRequest(id);
      }
      lags.push(Date.parse(r.ended_at) - Date.parse(r.expires_at));
    }
    lines.push(`expiry → revoked lag      p50 ${fmt(pct(lags, 50))}  p99 ${fmt(pct(lags, 99))}  max ${fmt(Math.max(...lags))}  (n=${EXPIRY_N} expiring together)`);
  }

  // 4. RSS with many active leases (the ones above count towards it), then after a restart
  // that recovers all of them (their expiry timers re-armed from the store).
  const activeNow = LATENCY_N + THROUGHPUT_N;
  const active = Math.max(ACTIVE_N, activeNow);
  const t1 = performance.now();
  await pool(Math.max(0, ACTIVE_N - activeNow), CONCURRENCY, () => createRequest('20h'));
  await waitUntilGranted();
  const createdIn = (performance.now() - t1) / 1000;
  await new Promise((r) => setTimeout(r, 2_000));
  lines.push(`server RSS                ${(await rssMiB()).toFixed(1)} MiB with ${active} active leases (${Math.max(0, ACTIVE_N - activeNow)} created in ${createdIn.toFixed(0)} s)`);
  client.close();
  await stopServer(server);
  const t2 = performance.now();
  const restarted = startServer();
  server = restarted.child;
  await restarted.listening;
  const recoveredIn = (performance.now() - t2) / 1000;
  await new Promise((r) => setTimeout(r, 2_000));
  let afterRestart = `server RSS after restart  ${(await rssMiB()).toFixed(1)} MiB with ${active} active leases recovered (listening after ${recoveredIn.toFixed(1)} s)`;
  if (SETTLE_S > 0) {
    await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
    afterRestart += `; ${(await rssMiB()).toFixed(1)} MiB after ${SETTLE_S} s idle`;
  }
  lines.push(afterRestart);

  console.log(`\nLease benchmark (embedded runtime, SQLite, sudo provider in a temp dir; node ${process.version})`);
  for (const line of lines) console.log(line);
} finally {
  client.close();
  await stopServer(server);
  await rm(dir, { recursive: true, force: true });
}
