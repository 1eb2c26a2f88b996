// Operating the server: readiness, graceful shutdown on SIGTERM (calls being answered finish,
// long polls are answered early, new connections are refused, exit 0, every lease recovered by
// the next start), configuration reload on SIGHUP, and /metrics as promtool validates it and a
// real Prometheus scrapes it (with the bearer token; a wrong one leaves its target down).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { startServer, waitUntil, type ServerProcess } from '../support/lease-process.js';
import { prometheusAvailable, promtoolCheckMetrics, startPrometheus, PROMETHEUS_HOW_TO_GET } from '../support/prometheus.js';
import { requireComponent } from '../support/require-component.js';
import { registerTestSecret } from '../support/secrets.js';
import { apiLogin, createDeployment, type Deployment } from './fixtures.js';

interface RequestJson {
  id: string;
  status: string;
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function createRequest(url: string, token: string, reason: string): Promise<RequestJson> {
  const r = await fetch(`${url}/api/v1/requests`, {
    method: 'POST',
    headers: { ...auth(token), 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'debug', provider: 'box', duration: '30m', reason }),
  });
  assert.equal(r.status, 201, await r.clone().text());
  return (await r.json()) as RequestJson;
}

async function waitStatus(url: string, token: string, id: string, status: string): Promise<RequestJson> {
  return waitUntil(`${id} to be ${status}`, async () => {
    const r = await fetch(`${url}/api/v1/requests/${id}`, { headers: auth(token) });
    const body = (await r.json()) as RequestJson;
    return body.status === status ? body : undefined;
  });
}

/** An HTTP call written by hand over one socket: the test decides when the body's second half leaves. */
function slowCall(url: string, head: string, firstHalf: string): { socket: Socket; response: Promise<string>; connected: Promise<void> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString()));
  const response = new Promise<string>((resolve, reject) => {
    socket.once('end', () => resolve(text));
    socket.once('error', reject);
  });
  void connected.then(() => socket.write(head + firstHalf));
  return { socket, response, connected };
}

async function refusesConnections(url: string): Promise<true | undefined> {
  try {
    await fetch(`${url}/health`);
    return undefined;
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    return code === 'ECONNREFUSED' ? true : undefined;
  }
}

describe('operations', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function started(deployment: Deployment, port?: number): Promise<ServerProcess> {
    const server = await startServer({ config: deployment.config, data: deployment.data, ...(port !== undefined ? { port } : {}) });
    cleanups.push(() => server.stop());
    return server;
  }

  it('answers /health (alive) and /ready (store and engine reachable) once started', async () => {
    const deployment = await createDeployment();
    cleanups.push(deployment.cleanup);
    const server = await started(deployment);
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await fetch(`${server.url}/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready' });
  });

  it('on SIGTERM finishes the calls in flight, answers long polls, refuses new connections, exits 0, and the next start recovers every lease', async () => {
    const deployment = await createDeployment();
    cleanups.push(deployment.cleanup);
    const server = await started(deployment);
    const token = await apiLogin(server.url, 'alice');
    const first = await createRequest(server.url, token, 'before the shutdown');
    await waitStatus(server.url, token, first.id, 'active');

    // A long poll that would wait 60 s for the lease to end.
    const poll = fetch(`${server.url}/api/v1/requests/${first.id}?until=revoked&timeout=60`, { headers: auth(token) });
    // A call whose body is still arriving when SIGTERM comes.
    const body = JSON.stringify({ role: 'debug', provider: 'box', duration: '30m', reason: 'in flight during the shutdown' });
    const half = Math.floor(body.length / 2);
    const head = `POST /api/v1/requests HTTP/1.1\r\nhost: ${new URL(server.url).host}\r\nauthorization: Bearer ${token}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n`;
    const upload = slowCall(server.url, head, body.slice(0, half));
    await upload.connected;
    // A later round trip on another connection: the server has read the earlier call's head by then.
    assert.equal((await fetch(`${server.url}/health`)).status, 200);

    const startedAt = Date.now();
    server.signal('SIGTERM');
    const polled = await poll;
    assert.equal(polled.status, 200, 'the long poll is answered, not cut');
    assert.equal(((await polled.json()) as RequestJson).status, 'active');
    assert.ok(Date.now() - startedAt < 30_000, 'the long poll was answered at shutdown, not at its timeout');
    await waitUntil('new connections to be refused', () => refusesConnections(server.url), 10_000, 20);

    upload.socket.write(body.slice(half));
    const response = await upload.response;
    assert.match(response, /^HTTP\/1\.1 201 /, `${response}\n${server.output}`);
    const second = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as RequestJson;

    assert.equal(await server.exitCode(), 0, server.output);
    assert.match(server.output, /"msg":"lease server stopped"/);

    const restarted = await started(deployment, Number(new URL(server.url).port));
    const again = await apiLogin(restarted.url, 'alice');
    for (const id of [first.id, second.id]) {
      await waitStatus(restarted.url, again, id, 'active');
      assert.ok(existsSync(join(deployment.sudoers, `lease-${id}`)), `${id} still granted`);
    }
  });

  it('on SIGHUP swaps in new roles, and refuses (keeping the running config) a broken file or a provider change, auditing each', async () => {
    const deployment = await createDeployment();
    cleanups.push(deployment.cleanup);
    const server = await started(deployment);
    const alice = await apiLogin(server.url, 'alice');
    const bob = await apiLogin(server.url, 'bob');
    const roleIds = async () => {
      const r = await fetch(`${server.url}/api/v1/roles`, { headers: auth(alice) });
      return ((await r.json()) as { roles: Array<{ id: string }> }).roles.map((role) => role.id);
    };
    const rolesFile = join(deployment.config, 'roles.yaml');
    const providersFile = join(deployment.config, 'providers.yaml');
    const roles = await readFile(rolesFile, 'utf8');
    const triage = `  triage:
    name: Triage
    description: Added while running
    permissions:
      allow: [/usr/bin/id]
    scopes:
      groups: [eng]
    providers: [box]
`;
    await writeFile(rolesFile, roles + triage);
    server.signal('SIGHUP');
    await waitUntil('the new role to be served', async () => ((await roleIds()).includes('triage') ? true : undefined));
    const r = await fetch(`${server.url}/api/v1/requests`, {
      method: 'POST',
      headers: { ...auth(alice), 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'triage', provider: 'box', duration: '10m', reason: 'a reloaded role' }),
    });
    assert.equal(r.status, 201, await r.text());

    await writeFile(rolesFile, roles + triage + '  broken:\n    max_duration: forever\n');
    server.signal('SIGHUP');
    await waitUntil('the broken file to be refused', async () => (server.output.includes('config reload refused: the configuration does not load') ? true : undefined));
    assert.ok(server.output.includes(`config reload: ${rolesFile}: roles.broken.`), server.output);
    assert.ok((await roleIds()).includes('triage'), 'the running roles are kept');

    await writeFile(rolesFile, roles);
    await writeFile(providersFile, (await readFile(providersFile, 'utf8')).replace('name: A disabled host', 'name: A parked host'));
    server.signal('SIGHUP');
    await waitUntil('the provider change to be refused', async () => (server.output.includes('providers.parked changed, which needs a restart') ? true : undefined));
    assert.ok((await roleIds()).includes('triage'), 'nothing of the refused config applied');

    const audit = await fetch(`${server.url}/api/v1/audit?limit=1000`, { headers: auth(bob) });
    const entries = ((await audit.json()) as { entries: Array<{ action: string; data: Record<string, unknown> }> }).entries;
    assert.deepEqual(
      entries.filter((e) => e.action.startsWith('config.')).map((e) => [e.action, e.data.reason ?? null]),
      [['config.reloaded', null], ['config.reload_refused', 'invalid'], ['config.reload_refused', 'needs_restart']],
    );
  });

  it('serves /metrics behind its bearer token, valid for promtool, scraped by Prometheus, moving as a lease is granted, revoked and expires', async (t) => {
    if (!requireComponent(t, 'Prometheus', prometheusAvailable(), PROMETHEUS_HOW_TO_GET)) return;
    const token = randomBytes(24).toString('hex');
    registerTestSecret(token);
    const deployment = await createDeployment();
    cleanups.push(deployment.cleanup);
    const serverFile = join(deployment.config, 'server.yaml');
    await writeFile(serverFile, `${await readFile(serverFile, 'utf8')}  metrics:\n    enabled: true\n    token: \${METRICS_TOKEN}\n`);
    const server = await startServer({ config: deployment.config, data: deployment.data, env: { METRICS_TOKEN: token } });
    cleanups.push(() => server.stop());

    const anonymous = await fetch(`${server.url}/metrics`);
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { error: { code: string } }).error.code, 'unauthenticated');
    assert.equal((await fetch(`${server.url}/metrics`, { headers: auth(`x${token}`) })).status, 401);
    const scrape = async () => {
      const r = await fetch(`${server.url}/metrics`, { headers: auth(token) });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
      return r.text();
    };
    // prom-client's own process metrics break one naming lint (nodejs_active_handles_total is a gauge): tolerated, nothing else is.
    const problems = (text: string) => promtoolCheckMetrics(text).filter((line) => !/^nodejs_\w+ non-counter metrics should not have "_total" suffix$/.test(line));
    assert.deepEqual(problems(await scrape()), []);

    const prometheus = await startPrometheus(new URL(server.url).host, token);
    cleanups.push(() => prometheus.stop());
    await prometheus.waitTarget('lease', 'up');
    const wrong = await prometheus.waitTarget('lease-wrong-token', 'down');
    assert.match(wrong.lastError, /401/);

    const alice = await apiLogin(server.url, 'alice');
    const lease = await createRequest(server.url, alice, 'metrics: granted then revoked');
    await waitStatus(server.url, alice, lease.id, 'active');
    const eventually = (query: string, expected: number) =>
      waitUntil(`${query} = ${expected} in Prometheus`, async () => ((await prometheus.value(query)) === expected ? true : undefined), 60_000, 250);
    await eventually('lease_active_leases{job="lease"}', 1);
    await eventually('lease_requests{job="lease",status="active",role="debug"}', 1);
    await eventually('lease_provider_call_duration_seconds_count{job="lease",provider="box",operation="grant",outcome="ok"}', 1);
    await eventually('lease_logins_total{job="lease",provider="local",outcome="success"}', 1);

    const revoke = await fetch(`${server.url}/api/v1/requests/${lease.id}/revoke`, { method: 'POST', headers: { ...auth(alice), 'content-type': 'application/json' }, body: '{}' });
    assert.ok(revoke.status < 300, await revoke.text());
    await waitStatus(server.url, alice, lease.id, 'revoked');
    await eventually('lease_provider_call_duration_seconds_count{job="lease",provider="box",operation="revoke",outcome="ok"}', 1);
    await eventually('lease_active_leases{job="lease"}', 0);

    const short = await fetch(`${server.url}/api/v1/requests`, {
      method: 'POST',
      headers: { ...auth(alice), 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'debug', provider: 'box', duration: '2s', reason: 'metrics: expires' }),
    });
    assert.equal(short.status, 201);
    await waitStatus(server.url, alice, ((await short.json()) as RequestJson).id, 'revoked');
    await eventually('lease_expiry_revoke_lag_seconds_count{job="lease",provider="box"}', 1);
    assert.ok(((await prometheus.value('lease_workflow_steps_total{job="lease"}')) ?? 0) > 0);

    const text = await scrape();
    assert.match(text, /lease_http_request_duration_seconds_count\{route="\/api\/v1\/requests\/:id",method="GET",status="200"\}/);
    assert.ok(!text.includes(lease.id), 'no raw path (request id) in any label');
    assert.deepEqual(problems(text), []);
  });
});

