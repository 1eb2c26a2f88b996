// What Prometheus metrics cost, measured on real `lease server` processes (bin/lease.js):
//   node bench/metrics.mjs [--requests=2000] [--active=10000] [--scrapes=50]
// - HTTP latency of an authenticated API call (GET /api/v1/roles), sequential, p50/p99, with
//   server.metrics off and then on (the same data directory, so the same store);
// - scrape time of GET /metrics (with its bearer token) with `--active` active leases in the
//   store. Those leases are written straight into the SQLite store before the server starts (the
//   scrape reads the requests table, which is what they fill); creating them through the API
//   would take minutes and measure something else.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const LEASE = join(ROOT, 'bin/lease.js');
const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const REQUESTS = arg('requests', 2000);
const ACTIVE = arg('active', 10000);
const SCRAPES = arg('scrapes', 50);
const PASSWORD = 'bench-Secr3t-pw';
const TOKEN = randomBytes(24).toString('hex');

const pct = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const fmt = (ms) => `${ms.toFixed(2)} ms`;

async function writeConfig(dir, metrics) {
  const { hashPassword } = await import(join(ROOT, 'dist/identity/index.js'));
  await mkdir(join(dir, 'config'), { recursive: true });
  await writeFile(join(dir, 'config', 'lease.yaml'), `version: "1.0"
server:${metrics ? `\n  metrics:\n    enabled: true\n    token: ${TOKEN}` : ' {}'}
providers:
  local:
    provider: local
    config:
      users:
        alice: { password_hash: '${await hashPassword(PASSWORD)}', groups: [eng] }
  box:
    provider: sudo
    config:
      sudoers_dir: ${JSON.stringify(join(dir, 'sudoers.d'))}
      visudo: false
roles:
  debug:
    name: Debug
    description: bench
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    max_duration: 24h
`);
}

/** Active leases written into the store directly (see the header). */
async function seedActiveLeases(dataDir, count) {
  const { openSqliteStore } = await import(join(ROOT, 'dist/store/index.js'));
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const store = await openSqliteStore({ file: join(dataDir, 'lease.db') });
  const now = Date.now();
  const iso = (ms) => new Date(ms).toISOString();
  for (let done = 0; done < count; done += 1000) {
    await store.transaction(async (tx) => {
      for (let i = done; i < Math.min(count, done + 1000); i++) {
        await tx.requests.insert({
          id: randomUUID(), identity: { provider: 'local', provider_type: 'local', id: 'alice', groups: ['eng'] }, role: 'debug', provider: 'box', workflow: null,
          reason: 'bench', duration_ms: 86_400_000, status: 'active', created_at: iso(now), updated_at: iso(now), granted_at: iso(now),
          expires_at: iso(now + 86_400_000), ended_at: null, outcome: null, break_glass: false, start_at: null, extended_from: null, timeout_at: null,
        });
      }
    });
  }
  await store.close();
}

async function startServer(dir) {
  const child = spawn(process.execPath, [LEASE, 'server', '--config', join(dir, 'config'), '--data', join(dir, 'data'), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LEASE_LOG_LEVEL: 'warn' } });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const onData = (d) => {
      output += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`lease server exited ${code}:\n${output}`)));
  });
  for (;;) {
    const r = await fetch(`${url}/ready`).catch(() => undefined);
    if (r?.status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = () => new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
  return { url, stop };
}

async function timedCalls(url, token, n) {
  const headers = { authorization: `Bearer ${token}` };
  for (let i = 0; i < 100; i++) await (await fetch(`${url}/api/v1/roles`, { headers })).arrayBuffer(); // warm-up
  const times = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    const r = await fetch(`${url}/api/v1/roles`, { headers });
    await r.arrayBuffer();
    times.push(performance.now() - start);
    if (r.status !== 200) throw new Error(`GET /api/v1/roles answered ${r.status}`);
  }
  return times;
}

async function login(url) {
  const r = await fetch(`${url}/api/v1/auth/local/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: PASSWORD }) });
  return (await r.json()).token;
}

const dir = await mkdtemp(join(tmpdir(), 'lease-bench-metrics-'));
try {
  const lines = [];
  await seedActiveLeases(join(dir, 'data'), ACTIVE);
  for (const metrics of [false, true]) {
    await writeConfig(dir, metrics);
    const server = await startServer(dir);
    try {
      const times = await timedCalls(server.url, await login(server.url), REQUESTS);
      lines.push(`GET /api/v1/roles, metrics ${metrics ? 'on ' : 'off'}   p50 ${fmt(pct(times, 50))}  p99 ${fmt(pct(times, 99))}  (n=${REQUESTS}, sequential)`);
      if (metrics) {
        const scrapes = [];
        let bytes = 0;
        for (let i = 0; i < SCRAPES; i++) {
          const start = performance.now();
          const r = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
          const text = await r.text();
          bytes = text.length;
          if (!text.includes(`\nlease_active_leases ${ACTIVE}\n`)) throw new Error(`the scrape does not count ${ACTIVE} active leases`);
          scrapes.push(performance.now() - start);
          if (r.status !== 200) throw new Error(`GET /metrics answered ${r.status}`);
        }
        lines.push(`GET /metrics              p50 ${fmt(pct(scrapes, 50))}  p99 ${fmt(pct(scrapes, 99))}  (n=${SCRAPES}, ${ACTIVE} active leases, ${(bytes / 1024).toFixed(1)} KiB)`);
      }
    } finally {
      await server.stop();
    }
  }
  console.log(`metrics overhead (node ${process.version})`);
  for (const line of lines) console.log(`  ${line}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
