// A worker process dies (kill -9) while a granted lease waits for its expiry; a new worker
// takes over. Real built-in calls, a real sudo provider (temp sudoers directory), the SQLite
// store and a real Temporal dev server.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTemporalDevServer } from '../../../../test/support/temporal.js';
import { newId, silentLogger } from '../../../core/index.js';
import { openSqliteStore, type RequestRecord } from '../../../store/index.js';
import { DEFAULT_WORKFLOW } from '../../dsl/index.js';
import { TemporalRuntime } from './client.js';
import { PayloadKeys, payloadKeyFile } from './payload-keys.js';
import type { TestWorkerConfig } from './test-worker.js';
import { writeLeaseWorkflowBundle } from './bundle.js';

/** Long enough to grant, wait until quiet and start a second worker before the expiry on a busy machine. */
const LEASE_MS = 15_000;
/** "On time" and "within seconds": far below the 2-minute start-to-close timeout they rule out, far above scheduling noise. */
const PROMPT_MS = 20_000;
const WORKER_READY_MS = 120_000;
const workerEntry = fileURLToPath(new URL('./test-worker.ts', import.meta.url));

function startWorker(t: TestContext, config: TestWorkerConfig): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', workerEntry], {
    env: { ...process.env, LEASE_TEST_WORKER: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start within ${WORKER_READY_MS} ms`)), WORKER_READY_MS);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
  });
}

/** A dev server, a data dir with the store, payload keys and a bundle, and a client runtime on `taskQueue`. */
async function crashSetup(t: TestContext, taskQueue: string) {
  const server = await startTemporalDevServer(t);
  if (!server) return undefined;
  const dataDir = await mkdtemp(join(tmpdir(), 'lease-temporal-crash-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const config: TestWorkerConfig = {
    address: server.address,
    namespace: server.namespace,
    taskQueue,
    dataDir,
    sudoersDir: join(dataDir, 'sudoers.d'),
    countFile: join(dataDir, 'provider-calls.log'),
    bundlePath: join(dataDir, 'workflow-bundle.js'),
  };
  const store = await openSqliteStore({ file: join(dataDir, 'lease.db') });
  t.after(() => store.close());
  const keys = await PayloadKeys.load(payloadKeyFile(dataDir));
  await writeLeaseWorkflowBundle(config.bundlePath);
  const runtime = await TemporalRuntime.connect({ store, logger: silentLogger, keys, settings: { address: server.address, namespace: server.namespace, taskQueue } });
  t.after(() => runtime.stop());
  return { config, store, runtime };
}

test('a worker killed while a lease is active: a new worker revokes it on time, and the grant ran once', async (t) => {
  const setup = await crashSetup(t, 'lease-crash');
  if (!setup) return;
  const { config, store, runtime } = setup;

  const first = await startWorker(t, config);
  const request = await startRequest(runtime, LEASE_MS);

  const active = await waitForRequest(store, request.id, 'active', 60_000);
  const sudoersFile = join(config.sudoersDir, `lease-${request.id}`);
  assert.ok(existsSync(sudoersFile), 'the sudo rule is in place');
  // Kill once the workflow waits on its expiry timer with nothing in flight; a kill in the middle
  // of an activity is retried after that activity's start-to-close timeout (minutes, for calls).
  await waitForQuiet(runtime, request.id);
  // The next worker is up before the kill, so its start-up time is not counted against Temporal.
  await startWorker(t, config);
  const takeoverFrom = Date.now();
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));

  const revoked = await waitForRequest(store, request.id, 'revoked', LEASE_MS + 60_000).catch(async (err: unknown) => {
    const description = await runtime.client.workflow.getHandle(request.id).describe();
    const raw = description.raw.pendingActivities?.map((a) => ({ type: a.activityType?.name, attempt: a.attempt, state: a.state, failure: a.lastFailure?.message }));
    const history = await runtime.client.workflow.getHandle(request.id).fetchHistory();
    const events = history.events?.map((e) => Object.keys(e).find((k) => k.endsWith('EventAttributes')) ?? String(e.eventType));
    throw new Error(`${String(err)}; workflow ${description.status.name}, pending activities ${JSON.stringify(raw)}, history ${events?.join(' ')}`, { cause: err });
  });

  const expiresAt = Date.parse(active.expires_at!);
  const endedAt = Date.parse(revoked.ended_at!);
  assert.ok(endedAt >= expiresAt, 'not revoked before expiry');
  const due = Math.max(expiresAt, takeoverFrom);
  assert.ok(endedAt - due < PROMPT_MS, `revoked ${endedAt - due} ms after it was due (expiry, or the new worker's start if later)`);
  assert.equal(revoked.outcome?.code, 'expired');
  assert.ok(!existsSync(sudoersFile), 'the sudo rule is gone');

  const providerCalls = (await readFile(config.countFile, 'utf8')).trim().split('\n').map((line) => line.split(' ')[0]);
  assert.deepEqual(providerCalls, ['grant', 'revoke'], 'one grant (by the first worker), one revoke (by the second)');
  const audit = (await store.audit.list({ subject: request.id })).map((e) => e.action);
  assert.equal(audit.filter((a) => a === 'lease.granted').length, 1);
  assert.equal(audit.filter((a) => a === 'lease.revoked').length, 1);
  await waitFor(async () => (await store.workflows.get(request.id))?.status === 'completed', 'the instance row is completed');
});

test('a worker killed in the middle of the grant: another worker retries it within seconds, and it takes effect once', async (t) => {
  const setup = await crashSetup(t, 'lease-crash-mid-call');
  if (!setup) return;
  const { config, store, runtime } = setup;

  // The first worker grants, then hangs before answering: it dies with the call in flight.
  const first = await startWorker(t, { ...config, holdAfterGrantMs: 600_000 });
  const request = await startRequest(runtime, 60_000);
  await waitFor(async () => existsSync(config.countFile) && (await readFile(config.countFile, 'utf8')).includes('holding'), 'the grant took effect on the first worker', 120_000);
  const sudoersFile = join(config.sudoersDir, `lease-${request.id}`);
  assert.ok(existsSync(sudoersFile));
  // The next worker is up before the kill, so its start-up time is not counted against Temporal.
  await startWorker(t, config);
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const killedAt = Date.now();

  const active = await waitForRequest(store, request.id, 'active', 120_000);
  // Noticed by the heartbeat timeout (5 s), not the call's 2 min start-to-close timeout.
  const delay = Date.parse(active.granted_at!) - killedAt;
  assert.ok(delay < PROMPT_MS, `the grant was retried ${delay} ms after the worker died`);
  const providerCalls = (await readFile(config.countFile, 'utf8')).trim().split('\n').map((line) => line.split(' ')[0]);
  assert.deepEqual(providerCalls, ['grant', 'holding', 'grant'], 'the retry re-ran the (idempotent) grant on the second worker');
  assert.ok(existsSync(sudoersFile), 'one sudo rule, in place');
  const audit = (await store.audit.list({ subject: request.id })).map((e) => e.action);
  assert.equal(audit.filter((a) => a === 'lease.granted').length, 1, 'granted once');

  // Revoke early, so the test does not wait for the expiry.
  await runtime.signal(request.id, { type: 'com.lease.revoke', data: { reason: 'done' } });
  await waitForRequest(store, request.id, 'revoked', 60_000);
  assert.ok(!existsSync(sudoersFile), 'the sudo rule is gone');
});

async function startRequest(runtime: TemporalRuntime, leaseMs: number): Promise<RequestRecord> {
  const now = Date.now();
  const request: RequestRecord = {
    id: newId('req', now),
    identity: { id: 'alice', email: 'alice@example.com', groups: [], provider: 'local', provider_type: 'local' },
    role: 'ops',
    provider: 'host-sudo',
    workflow: null,
    reason: 'crash test',
    duration_ms: leaseMs,
    break_glass: false,
    start_at: null,
    extended_from: null,
    timeout_at: null,
    status: 'pending',
    created_at: new Date(now).toISOString(),
    updated_at: new Date(now).toISOString(),
    granted_at: null,
    expires_at: null,
    ended_at: null,
    outcome: null,
  };
  await runtime.start({
    instanceId: request.id,
    workflow: 'default',
    document: DEFAULT_WORKFLOW,
    input: { id: request.id, user: { id: 'alice' }, reason: request.reason },
    within: (tx) => tx.requests.insert(request),
  });
  return request;
}

/** Until the expiry timer is started in Temporal and no activity is pending or running. */
async function waitForQuiet(runtime: TemporalRuntime, id: string): Promise<void> {
  const handle = runtime.client.workflow.getHandle(id);
  await waitFor(async () => {
    const [description, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
    const events = history.events ?? [];
    return (description.raw.pendingActivities?.length ?? 0) === 0 && events.some((e) => e.timerStartedEventAttributes) && !!events.at(-1)?.workflowTaskCompletedEventAttributes;
  }, 'the workflow waits on its expiry, nothing in flight');
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitForRequest(store: Awaited<ReturnType<typeof openSqliteStore>>, id: string, status: string, timeoutMs: number): Promise<RequestRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const request = await store.requests.get(id);
    if (request?.status === status) return request;
    if (request && ['failed', 'denied', 'revoked'].includes(request.status)) throw new Error(`request ${id} ended ${request.status}: ${request.outcome?.message}`);
    if (Date.now() > deadline) throw new Error(`request ${id} did not become ${status} (is ${request?.status})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
