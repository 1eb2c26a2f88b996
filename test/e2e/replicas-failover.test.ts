// Two `lease server` replicas on one PostgreSQL database and one Temporal dev server (real
// processes, real PostgreSQL, real Temporal), behind a load balancer the test steers: a login on
// one replica serves a request on the other and an approval back on the first; a replica killed
// with SIGKILL while leases are active and expiring leaves every revocation to the survivor, on
// time and once; and keys rotated in the shared data directory are honoured by both replicas.
// Both replicas share one data directory, hence one session key file and one payload key file.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { startLoadBalancer, type LoadBalancer } from '../support/load-balancer.js';
import { leaseJson, runLease, startServer, waitUntil, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { HOW_TO_GET_POSTGRES, postgresBinDir, startPostgres, type PostgresServer } from '../support/postgres.js';
import { requireComponent } from '../support/require-component.js';
import { registerTestSecret } from '../support/secrets.js';
import { HOW_TO_GET_TEMPORAL, startTemporal, temporalCli, type TemporalDevServer } from '../support/temporal.js';
import { apiLogin, createDeployment, loginAs, replicaServerYaml, type Deployment } from './fixtures.js';

interface RequestJson {
  id: string;
  status: string;
  granted_at: string | null;
  expires_at: string | null;
  ended_at: string | null;
  approvals: { decisions: Array<{ approver: string; approved: boolean }> } | null;
}

interface AuditEntry {
  seq: number;
  ts: string;
  action: string;
  actor: string;
  subject: string | null;
}

const TASK_QUEUE = 'lease-e2e-failover';

/**
 * How late the survivor may revoke a lease that expires after the other replica died. The
 * expiry timer fires in Temporal; its workflow task may go to the sticky queue of the dead
 * worker that last ran the workflow, and moves to the shared queue after the sticky
 * schedule-to-start timeout (3 s, runWorker). A task or activity the dead worker had started
 * comes back after its own timeout: a workflow task after 10 s (Temporal's default), the
 * `lease.recordStep` activity after 10 s, a call after its 5 s heartbeat timeout, then a retry
 * (≤ 10 s backoff). Chained, that is under 40 s; 60 s leaves room for a busy machine.
 */
const LATE_BOUND_MS = 60_000;

/**
 * The leases of the failover case: lifetimes long enough that all are granted before the kill
 * on a busy machine (the first expires 20 s after its grant), spread so that some expire soon
 * after the kill and the last well after it.
 */
const FAILOVER_LIFETIMES_S = [20, 22, 24, 26, 28, 30, 33, 36, 39, 42];

/**
 * A is killed this long before the first expiry, so the first timers fire while A's sticky
 * queue still looks recently polled (Temporal's window is 10 s): the case where a task can be
 * handed to the dead worker first. The later ones fire long after, when it is plainly gone.
 */
const KILL_BEFORE_FIRST_EXPIRY_MS = 4_000;

/** Documented: a revoked session key is refused by every process sharing the file within 10 s (docs/operations.md). */
const KEY_CHANGE_BOUND_MS = 30_000;

/** The key id in a JWE session token's protected header (public: it names the key, not the key). */
function sessionKid(token: string): string {
  const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as { kid?: string };
  assert.ok(header.kid, 'the session token names its key');
  return header.kid;
}

async function api<T>(replica: ServerProcess, token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const r = await fetch(new URL(path, replica.url), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, json: (await r.json()) as T };
}

async function requestOn(replica: ServerProcess, token: string, id: string): Promise<RequestJson> {
  const r = await api<RequestJson>(replica, token, 'GET', `/api/v1/requests/${id}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
}

/** Every audit entry about one request, from one replica (as an administrator). */
async function auditOf(replica: ServerProcess, adminToken: string, id: string): Promise<AuditEntry[]> {
  const r = await api<{ entries: AuditEntry[] }>(replica, adminToken, 'GET', `/api/v1/audit?subject=${encodeURIComponent(id)}&limit=1000`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.entries;
}

const count = (entries: AuditEntry[], action: string) => entries.filter((e) => e.action === action).length;

/** The payload key ids (`encryption-key-id`) of every encrypted payload in a workflow's history. */
function payloadKids(node: unknown, into: string[] = []): string[] {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return into;
  const metadata = (node as { metadata?: Record<string, Uint8Array> }).metadata;
  if (metadata && metadata.encoding && Buffer.from(metadata.encoding).toString() === 'binary/encrypted') {
    into.push(Buffer.from(metadata['encryption-key-id'] ?? new Uint8Array()).toString());
    return into;
  }
  for (const value of Object.values(node)) payloadKids(value, into);
  return into;
}

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

function eventTime(event: HistoryEvent): number {
  return Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
}

/** Which worker (Temporal identity `<pid>@<host>`) started each workflow task and activity of a workflow, and when. */
function workerRuns(history: History): Array<{ at: number; worker: string }> {
  return (history.events ?? []).flatMap((event) => {
    const worker = event.workflowTaskStartedEventAttributes?.identity ?? event.activityTaskStartedEventAttributes?.identity;
    return worker ? [{ at: eventTime(event), worker }] : [];
  });
}

/** How long after the lease's expiry timer fired a worker started the workflow task it caused. */
function pickupAfterTimer(history: History): number | undefined {
  const events = history.events ?? [];
  const fired = events.findIndex((e) => e.timerFiredEventAttributes);
  const started = events.slice(fired + 1).find((e) => e.workflowTaskStartedEventAttributes);
  return fired < 0 || started === undefined ? undefined : eventTime(started) - eventTime(events[fired]!);
}

/** Counts renames of each sudo drop-in (`lease-<id>`): an install is one (temp file renamed over it), a removal another. */
function watchDropIns(dir: string): { events: Map<string, number>; close: () => void } {
  const events = new Map<string, number>();
  const watcher: FSWatcher = watch(dir, (type, name) => {
    if (type === 'rename' && name?.startsWith('lease-') && !name.includes('.')) events.set(name, (events.get(name) ?? 0) + 1);
  });
  return { events, close: () => watcher.close() };
}

describe('two lease server replicas on one PostgreSQL database and one Temporal server: failover and shared keys', () => {
  let postgres: PostgresServer | undefined;
  let temporal: TemporalDevServer | undefined;
  let deployment: Deployment;
  let storeEnv: NodeJS.ProcessEnv;
  let a: ServerProcess;
  let b: ServerProcess;
  let balancer: LoadBalancer;
  /** Reads workflow histories as stored in Temporal (payloads stay encrypted: no codec here). */
  let temporalClient: Client;
  let connection: Connection | undefined;
  const env = (user: string) => ({ LEASE_HOME: deployment.home(user) });
  /** False when a component is missing: each test then skips (or fails under CI=true), naming the one missing. */
  const ready = (t: TestContext) =>
    requireComponent(t, 'PostgreSQL (initdb, pg_ctl)', postgresBinDir() !== undefined, HOW_TO_GET_POSTGRES) &&
    requireComponent(t, 'the Temporal CLI', temporalCli() !== undefined, HOW_TO_GET_TEMPORAL);
  const startReplica = () => startServer({ config: deployment.config, data: deployment.data, env: storeEnv });
  /** A session token over HTTP, registered with the secret scan. */
  const tokenFor = async (replica: ServerProcess, user: 'alice' | 'bob') => {
    const token = await apiLogin(replica.url, user);
    registerTestSecret(token);
    return token;
  };

  before(async () => {
    if (postgresBinDir() === undefined || temporalCli() === undefined) return;
    postgres = await startPostgres();
    temporal = await startTemporal();
    deployment = await createDeployment({ visudo: false });
    await mkdir(deployment.sudoers, { recursive: true });
    await writeFiles(deployment.config, {
      'server.yaml': replicaServerYaml({ temporal: temporal, taskQueue: TASK_QUEUE, postgres: true }),
      'deploy.yaml': `version: "1.0"
roles:
  deploy:
    name: Deploy
    description: Needs an approver from ops
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    max_duration: 1h
    approvals:
      approvers: { groups: [ops] }
`,
    });
    storeEnv = { LEASE_STORE_URL: postgres.url() };
    // One after the other: the first creates the schema and the key files, the second opens them.
    a = await startReplica();
    b = await startReplica();
    balancer = await startLoadBalancer(a.url);
    connection = await Connection.connect({ address: temporal.address });
    temporalClient = new Client({ connection, namespace: temporal.namespace });
  });

  after(async () => {
    await connection?.close();
    await balancer?.stop();
    await a?.stop();
    await b?.stop();
    await deployment?.cleanup();
    await postgres?.stop();
    await temporal?.stop();
  });

  it('logs in on replica A, requests on B, approves on A: the lease is granted once and both replicas show the same request', async (t) => {
    if (!ready(t)) return;
    balancer.routeTo(a.url);
    await loginAs(deployment, balancer.url, 'alice');
    await loginAs(deployment, balancer.url, 'bob');

    balancer.routeTo(b.url);
    const asked = await leaseJson<RequestJson>(['request', '--role', 'deploy', '--provider', 'box', '--duration', '10m', '--reason', 'INC-13 across replicas', '--json'], env('alice'));
    assert.match(b.output, new RegExp(`"request":"${asked.id}".*"msg":"request created"`), 'replica B took the request');

    balancer.routeTo(a.url);
    await waitUntil('the request to await approval', async () => {
      const s = await leaseJson<RequestJson>(['status', asked.id, '--json'], env('alice'));
      return s.status === 'pending' ? s : undefined;
    }, 60_000, 250);
    await leaseJson(['approve', asked.id, '--reason', 'two replicas, one request', '--json'], env('bob'));
    assert.match(a.output, new RegExp(`"request":"${asked.id}".*"msg":"request approved"`), 'replica A took the approval');
    const active = await waitUntil('the lease to be active', async () => {
      const s = await leaseJson<RequestJson>(['status', asked.id, '--json'], env('alice'));
      return s.status === 'active' ? s : undefined;
    }, 60_000, 250);
    assert.ok(existsSync(join(deployment.sudoers, `lease-${asked.id}`)), 'the sudo drop-in exists');
    assert.deepEqual(active.approvals?.decisions.map((d) => [d.approver, d.approved]), [['local:bob', true]]);

    const seen: RequestJson[] = [];
    for (const replica of [a, b]) {
      balancer.routeTo(replica.url);
      seen.push(await leaseJson<RequestJson>(['status', asked.id, '--json'], env('alice')));
    }
    assert.deepEqual(seen[1], seen[0], 'A and B show the same request');

    const admin = await tokenFor(b, 'bob');
    const entries = await auditOf(b, admin, asked.id);
    assert.deepEqual(
      ['request.created', 'request.approved', 'lease.granting', 'lease.granted'].map((action) => count(entries, action)),
      [1, 1, 1, 1],
      `created, approved, granting and granted once each: ${entries.map((e) => e.action).join(', ')}`,
    );

    balancer.routeTo(b.url);
    await leaseJson(['revoke', asked.id, '--json'], env('alice'));
    await waitUntil('the drop-in to be removed', async () => (existsSync(join(deployment.sudoers, `lease-${asked.id}`)) ? undefined : true), 60_000, 100);
  });

  it('a replica killed with SIGKILL while leases are active and expiring: the survivor revokes every one on time, each granted once, the audit chain intact', async (t) => {
    if (!ready(t)) return;
    const dropIns = watchDropIns(deployment.sudoers);
    t.after(dropIns.close);
    const tokens = { a: await tokenFor(a, 'alice'), b: await tokenFor(b, 'alice') };
    const admin = await tokenFor(b, 'bob');

    // Half through A, half through B, all at once: each replica's client starts its workflows,
    // and both workers run them.
    const asked = await Promise.all(
      FAILOVER_LIFETIMES_S.map(async (seconds, i) => {
        const [replica, token] = i % 2 === 0 ? [a, tokens.a] : [b, tokens.b];
        const r = await api<RequestJson>(replica, token, 'POST', '/api/v1/requests', { role: 'debug', provider: 'box', duration: `${seconds}s`, reason: `failover lease ${i + 1}` });
        assert.equal(r.status, 201, JSON.stringify(r.json));
        return { id: r.json.id };
      }),
    );
    const granted = await Promise.all(
      asked.map(({ id }) =>
        waitUntil(`${id} to be active`, async () => {
          const s = await requestOn(b, tokens.b, id);
          assert.ok(['pending', 'granting', 'active'].includes(s.status), `${id} is ${s.status}`);
          return s.status === 'active' ? s : undefined;
        }, 60_000, 200),
      ),
    );
    for (const { id } of asked) assert.ok(existsSync(join(deployment.sudoers, `lease-${id}`)), `the drop-in of ${id} exists`);

    const firstExpiry = Math.min(...granted.map((l) => Date.parse(l.expires_at!)));
    await waitUntil('the moment to kill A', async () => (Date.now() >= firstExpiry - KILL_BEFORE_FIRST_EXPIRY_MS ? true : undefined), 60_000, 50);
    const workers = { a: `${a.child.pid}@`, b: `${b.child.pid}@` };
    await a.crash();
    const killedAt = Date.now();
    balancer.routeTo(b.url);
    for (const lease of granted) {
      assert.ok(Date.parse(lease.expires_at!) > killedAt, `${lease.id} expires after the kill (it expired ${killedAt - Date.parse(lease.expires_at!)} ms before it: granting took too long)`);
    }

    const lastExpiry = Math.max(...granted.map((l) => Date.parse(l.expires_at!)));
    const ended = await Promise.all(
      granted.map((lease) =>
        waitUntil(`${lease.id} to be revoked by the survivor`, async () => {
          const s = await requestOn(b, tokens.b, lease.id);
          return s.status === 'active' || s.status === 'revoking' ? undefined : s;
        }, lastExpiry - Date.now() + LATE_BOUND_MS + 30_000, 250),
      ),
    );

    const lateness: string[] = [];
    for (const lease of ended) {
      assert.equal(lease.status, 'revoked', `${lease.id} ended revoked`);
      const late = Date.parse(lease.ended_at!) - Date.parse(lease.expires_at!);
      lateness.push(`${late}`);
      assert.ok(late >= 0, `${lease.id} was not revoked before its expiry (${late} ms)`);
      assert.ok(late <= LATE_BOUND_MS, `${lease.id} was revoked ${late} ms after its expiry (bound ${LATE_BOUND_MS} ms)`);
      assert.equal(existsSync(join(deployment.sudoers, `lease-${lease.id}`)), false, `the drop-in of ${lease.id} is gone`);
      assert.match(b.output, new RegExp(`"request":"${lease.id}".*"msg":"lease expired"`), `the survivor revoked ${lease.id}`);
    }
    t.diagnostic(`revoked after expiry (ms): ${lateness.join(', ')}`);

    // From Temporal's side: the workflows A's worker was running, the survivor finished.
    const pickups: number[] = [];
    let ranOnA = 0;
    for (const lease of ended) {
      const history = await temporalClient.workflow.getHandle(lease.id).fetchHistory();
      const runs = workerRuns(history);
      if (runs.some((r) => r.at < killedAt && r.worker.startsWith(workers.a))) ranOnA++;
      const strays = runs.filter((r) => r.at >= killedAt && !r.worker.startsWith(workers.b));
      assert.deepEqual(strays, [], `after the kill only B's worker ran ${lease.id}`);
      pickups.push(pickupAfterTimer(history) ?? Number.NaN);
    }
    // Each workflow stays with the worker that first took it, which is Temporal's choice (half of
    // them on A in every run so far); none on A would leave the failover untested, so that fails.
    assert.ok(ranOnA > 0, 'A\'s worker ran some of the workflows before the kill');
    t.diagnostic(`${ranOnA} of ${ended.length} workflows ran on A before the kill; B started the expiry's workflow task ${pickups.join(', ')} ms after the timer fired`);

    const auditCounts = async (replica: ServerProcess, token: string) =>
      Promise.all(asked.map(async ({ id }) => {
        const entries = await auditOf(replica, token, id);
        return [id, count(entries, 'lease.granting'), count(entries, 'lease.granted'), count(entries, 'lease.revoked')];
      }));
    const expected = asked.map(({ id }) => [id, 1, 1, 1]);
    assert.deepEqual(await auditCounts(b, admin), expected, 'each lease granted once and revoked once (audit)');
    await waitUntil('the removals to be seen', async () => (asked.every(({ id }) => (dropIns.events.get(`lease-${id}`) ?? 0) >= 2) ? true : undefined), 10_000, 50);
    assert.deepEqual(asked.map(({ id }) => [id, dropIns.events.get(`lease-${id}`)]), asked.map(({ id }) => [id, 2]), 'each drop-in installed once and removed once');

    const verified = await runLease(['audit', '--verify'], { env: env('bob') });
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /intact/);

    // A comes back on the same store and joins: ready, serving, and re-granting nothing.
    a = await startReplica();
    for (const path of ['/health', '/ready']) assert.equal((await fetch(new URL(path, a.url))).status, 200, `${path} on the restarted A`);
    const tokenA = await tokenFor(a, 'alice');
    const fresh = await api<RequestJson>(a, tokenA, 'POST', '/api/v1/requests', { role: 'debug', provider: 'box', duration: '10m', reason: 'after the restart' });
    assert.equal(fresh.status, 201, JSON.stringify(fresh.json));
    const freshActive = await api<RequestJson>(a, tokenA, 'GET', `/api/v1/requests/${fresh.json.id}?until=active,failed,denied&timeout=60`);
    assert.equal(freshActive.json.status, 'active', 'a request through the restarted A is granted');
    assert.equal((await api<RequestJson>(a, tokenA, 'POST', `/api/v1/requests/${fresh.json.id}/revoke`, {})).status, 202);
    assert.deepEqual(await auditCounts(a, await tokenFor(a, 'bob')), expected, 'nothing was granted again after A restarted');
    assert.deepEqual(asked.map(({ id }) => [id, dropIns.events.get(`lease-${id}`)]), asked.map(({ id }) => [id, 2]), 'no drop-in was written again');
    for (const { id } of asked) assert.equal(existsSync(join(deployment.sudoers, `lease-${id}`)), false);
  });

  it('keys rotated in the shared data directory are honoured by both replicas: new sessions, revoked sessions, new payload key', async (t) => {
    if (!ready(t)) return;
    const before = await tokenFor(a, 'alice');
    const oldKid = sessionKid(before);

    const rotated = await leaseJson<{ keys: Array<{ kid: string; revoked: boolean }> }>(['keys', 'rotate', '--data', deployment.data, '--json'], {});
    const newKid = rotated.keys.at(-1)!.kid;
    assert.notEqual(newKid, oldKid);
    // A takes the new key in at its next look at the file (within 10 s): log in until it does.
    const after = await waitUntil('a login on A under the new session key', async () => {
      const token = await tokenFor(a, 'alice');
      return sessionKid(token) === newKid ? token : undefined;
    }, KEY_CHANGE_BOUND_MS, 500);
    assert.equal((await api(b, after, 'GET', '/api/v1/requests')).status, 200, 'B accepts a session under the new key at once');
    // Both replicas have now verified (and cached) the old session: the revocation must end it all the same.
    for (const replica of [a, b]) assert.equal((await api(replica, before, 'GET', '/api/v1/requests')).status, 200, 'rotation logs nobody out');

    const revokedAt = Date.now();
    await leaseJson(['keys', 'revoke', oldKid, '--data', deployment.data, '--json'], {});
    for (const [name, replica] of [['A', a], ['B', b]] as const) {
      await waitUntil(`${name} to refuse a session under the revoked key`, async () => ((await api(replica, before, 'GET', '/api/v1/requests')).status === 401 ? true : undefined), KEY_CHANGE_BOUND_MS, 250);
    }
    t.diagnostic(`sessions under the revoked key refused by both replicas after ${Date.now() - revokedAt} ms`);
    for (const replica of [a, b]) assert.equal((await api(replica, after, 'GET', '/api/v1/requests')).status, 200, 'the new key still works');

    // The payload key: a workflow started on A after the rotation and approved on B runs under the new key.
    const bob = await tokenFor(b, 'bob');
    const payload = await leaseJson<{ keys: Array<{ kid: string }> }>(['keys', 'rotate', '--set', 'payload', '--data', deployment.data, '--config', deployment.config, '--json'], {});
    const newPayloadKid = payload.keys.at(-1)!.kid;
    const startKid = async (id: string) => payloadKids((await temporalClient.workflow.getHandle(id).fetchHistory()).events?.[0])[0];
    /** A request started through `replica` whose workflow input is under the new payload key; earlier tries are cancelled. */
    const startedUnderNewKey = (replica: ServerProcess, token: string) =>
      waitUntil(`a workflow started through ${replica === a ? 'A' : 'B'} under the new payload key`, async () => {
        const r = await api<RequestJson>(replica, token, 'POST', '/api/v1/requests', { role: 'deploy', provider: 'box', duration: '10m', reason: 'payload key rotation' });
        assert.equal(r.status, 201, JSON.stringify(r.json));
        if ((await startKid(r.json.id)) === newPayloadKid) return r.json.id;
        assert.equal((await api(replica, token, 'POST', `/api/v1/requests/${r.json.id}/revoke`, {})).status, 202);
        return undefined;
      }, KEY_CHANGE_BOUND_MS, 1_000);
    const id = await startedUnderNewKey(a, after);
    const probeOnB = await startedUnderNewKey(b, after);
    assert.equal((await api(b, after, 'POST', `/api/v1/requests/${probeOnB}/revoke`, {})).status, 202);

    await waitUntil('the request to await approval', async () => ((await requestOn(a, after, id)).status === 'pending' ? true : undefined), 60_000, 200);
    const approved = await api<RequestJson>(b, bob, 'POST', `/api/v1/requests/${id}/approve`, { reason: 'under the new payload key' });
    assert.equal(approved.status, 202, JSON.stringify(approved.json));
    const active = await api<RequestJson>(a, after, 'GET', `/api/v1/requests/${id}?until=active,failed,denied&timeout=60`);
    assert.equal(active.json.status, 'active');
    assert.ok(existsSync(join(deployment.sudoers, `lease-${id}`)));
    const kids = payloadKids(await temporalClient.workflow.getHandle(id).fetchHistory());
    assert.ok(kids.length > 3, `the history holds encrypted payloads (${kids.length})`);
    assert.deepEqual([...new Set(kids)], [newPayloadKid], 'every payload of the workflow, from either replica, is under the new key');
    assert.equal((await api(a, after, 'POST', `/api/v1/requests/${id}/revoke`, {})).status, 202);
  });
});
