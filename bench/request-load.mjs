// Access requests as benchmark load, through a real server's public HTTP API: the deployment
// the request benches share (a local user and an auto-approved role on the sudo provider,
// writing into a temp directory), a client per server, and the request→active and
// sustained-throughput measurements. Used by bench/run.mjs and bench/replicas.mjs.
import http from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashPassword } from '../dist/identity/index.js';

export const BENCH_USER = 'bench';

/** Writes `<dir>/config/lease.yaml` (user `bench` with `password`, role `bench` on provider `box`); returns the config directory. */
export async function writeRequestBenchConfig(dir, password) {
  const config = join(dir, 'config');
  await mkdir(config, { recursive: true });
  await writeFile(join(config, 'lease.yaml'), `version: "1.0"
providers:
  local:
    name: Local
    provider: local
    config:
      users:
        ${BENCH_USER}: { password_hash: '${await hashPassword(password)}', groups: [bench] }
  box:
    name: Bench box
    provider: sudo
    config: { sudoers_dir: ${JSON.stringify(join(dir, 'sudoers.d'))}, visudo: false }
roles:
  bench:
    name: Bench
    description: benchmark role
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [bench] }
    providers: [box]
    max_duration: 24h
`);
  return config;
}

/** A session token for the bench user (sessions are read by every replica sharing the key set). */
export async function loginBenchUser(url, password) {
  const r = await fetch(`${url}/api/v1/auth/local/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: BENCH_USER, password }) });
  if (r.status !== 200) throw new Error(`login → ${r.status} ${await r.text()}`);
  return (await r.json()).token;
}

/**
 * A client of one server over node:http with keep-alive: fetch costs the client several times
 * more CPU per call, and the client shares the machine's cores with the servers.
 */
export function requestClient(url, token) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const call = (method, path, body) =>
    new Promise((resolve, reject) => {
      const req = http.request(`${url}${path}`, { method, agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode, json: text ? JSON.parse(text) : undefined }));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  return {
    url,
    call,
    async createRequest(duration) {
      const r = await call('POST', '/api/v1/requests', { role: 'bench', provider: 'box', duration, reason: 'bench' });
      if (r.status !== 201) throw new Error(`create → ${r.status} ${JSON.stringify(r.json)}`);
      return r.json;
    },
    getRequest: async (id, query = '') => (await call('GET', `/api/v1/requests/${id}${query}`)).json,
    /** Resolves once no request is pending or granting. */
    async waitUntilGranted() {
      while ((await call('GET', '/api/v1/requests?status=pending,granting&limit=1')).json.requests.length > 0) {
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    close: () => agent.destroy(),
  };
}

export const percentile = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

export const fmt = (ms) => `${ms.toFixed(2)} ms`;

/** Runs fn(0..n-1) with `concurrency` callers at a time; resolves with the results in order. */
export async function pool(n, concurrency, fn) {
  let next = 0;
  const results = new Array(n);
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      results[i] = await fn(i);
    }
  }));
  return results;
}

/**
 * Request → active, one request at a time, the i-th sent to clients[i % clients.length] (round
 * robin, as a load balancer would) and awaited there with the API's long poll, which answers as
 * soon as that server sees the request active. Resolves with the client's wall times (`observed`)
 * and the server's own `created_at` → `granted_at` (`recorded`), in ms.
 */
export async function measureRequestToActive(clients, n) {
  const observed = [];
  const recorded = [];
  for (let i = 0; i < n; i++) {
    const client = clients[i % clients.length];
    const start = performance.now();
    const created = await client.createRequest('1h');
    const r = created.status === 'active' ? created : await client.getRequest(created.id, '?until=active,failed,denied&timeout=30');
    if (r.status !== 'active') throw new Error(`request ${r.id} ${r.status}`);
    observed.push(performance.now() - start);
    recorded.push(Date.parse(r.granted_at) - Date.parse(r.created_at));
  }
  return { observed, recorded };
}

/**
 * Sustained throughput: n requests from `concurrency` clients, spread round robin over `clients`.
 * Resolves with requests/s accepted (all answered 201) and granted (none pending or granting).
 */
export async function measureThroughput(clients, n, concurrency) {
  const t0 = performance.now();
  await pool(n, concurrency, (i) => clients[i % clients.length].createRequest('1h'));
  const accepted = n / ((performance.now() - t0) / 1000);
  await clients[0].waitUntilGranted();
  const granted = n / ((performance.now() - t0) / 1000);
  return { accepted, granted };
}
