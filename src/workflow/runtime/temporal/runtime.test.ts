// The Temporal runtime against a real Temporal dev server (test/support/temporal.ts): one
// server and one in-process worker for the file; each test runs its own request workflow with
// in-test activities that record what ran.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Worker } from '@temporalio/worker';
import { startTemporalDevServer, type TemporalDevServer } from '../../../../test/support/temporal.js';
import { silentLogger } from '../../../core/index.js';
import { openSqliteStore, type Store } from '../../../store/index.js';
import { DEFAULT_WORKFLOW } from '../../dsl/index.js';
import { createJqEngine } from '../../expressions/index.js';
import type { WorkflowDocument } from '../../interpreter/types.js';
import { ActivityFailure, type ActivityContext, type ActivityHandler } from '../activities.js';
import type { StepEvent, StepObserver } from '../embedded/index.js';
import { isTemporalCheckpoint } from './checkpoint.js';
import { TemporalRuntime } from './client.js';
import { encryptedDataConverter } from './codec.js';
import { PayloadKeys, payloadKeyFile } from './payload-keys.js';
import { failureConverterPath } from './paths.js';
import { leaseWorkflowBundle } from './bundle.js';
import { runWorker } from './worker.js';

interface Harness {
  server: TemporalDevServer;
  store: Store;
  runtime: TemporalRuntime;
  keys: PayloadKeys;
  dataDir: string;
  /** Calls made per instance, in order. */
  calls: Map<string, string[]>;
  /** Per-instance behaviour of a call; default: authorize grants for 1 s, the rest succeed. */
  behaviour: Map<string, Partial<Record<string, ActivityHandler>>>;
  steps: StepEvent[];
}

const SECRET_REASON = 'fixing INC-4211 on the payroll database';
const SECRET_USER = 'alice.secret@example.com';
const SECRET_TOKEN = 's3cr3t-api-token-value';

let counter = 0;
const newInstanceId = () => `req_temporal_${process.pid}_${++counter}`;

async function harness(t: TestContext): Promise<Harness | undefined> {
  const server = await startTemporalDevServer(t);
  if (!server) return undefined;
  const dataDir = await mkdtemp(join(tmpdir(), 'lease-temporal-rt-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const store = await openSqliteStore({ file: join(dataDir, 'lease.db') });
  const keys = await PayloadKeys.load(payloadKeyFile(dataDir));
  const calls = new Map<string, string[]>();
  const behaviour = new Map<string, Partial<Record<string, ActivityHandler>>>();
  const steps: StepEvent[] = [];
  const handler: ActivityHandler = async (name, args, ctx: ActivityContext) => {
    calls.set(ctx.instanceId, [...(calls.get(ctx.instanceId) ?? []), name]);
    const override = behaviour.get(ctx.instanceId)?.[name];
    if (override) return override(name, args, ctx);
    if (name === 'lease.authorize') return { expires_at: new Date(Date.now() + 1_000).toISOString() };
    return { ok: true };
  };
  const observer: StepObserver = { afterStep: async (event) => void steps.push(event) };
  const settings = { address: server.address, namespace: server.namespace, taskQueue: `lease-test-${process.pid}` };
  const worker = await runWorker({
    settings,
    keys,
    deps: { store, calls: handler, expressions: await createJqEngine(), logger: silentLogger, observer, secrets: (name) => (name === 'apiToken' ? SECRET_TOKEN : undefined) },
    stickyQueueTimeout: '1s',
  });
  const runtime = await TemporalRuntime.connect({ store, logger: silentLogger, settings, keys });
  t.after(async () => {
    await runtime.stop();
    await worker.stop();
    await store.close();
  });
  return { server, store, runtime, keys, dataDir, calls, behaviour, steps };
}

async function waitForRow(store: Store, id: string, status: 'completed' | 'faulted' | 'running', check: (state: unknown) => boolean = () => true, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await store.workflows.get(id);
    if (row && row.status === status && isTemporalCheckpoint(row.state) && check(row.state)) return row.state;
    if (Date.now() > deadline) throw new Error(`instance ${id} did not reach ${status} (is ${row?.status})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every string and byte field of a (protobuf) object as one text, so a secret anywhere in it shows. */
function allText(value: unknown, out: string[] = []): string {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('latin1'));
  else if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) allText(item, out);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) allText(item, out);
  return out.join('\n');
}

/** Every payload in `value` (a history), decrypted with `keys`, as text. */
async function decodeAll(keys: PayloadKeys, value: unknown): Promise<string[]> {
  const payloads: Array<{ metadata?: unknown; data?: Uint8Array | null }> = [];
  const collect = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return;
    if ('metadata' in v && 'data' in v && (v as { data: unknown }).data instanceof Uint8Array) payloads.push(v as (typeof payloads)[number]);
    else for (const item of Array.isArray(v) ? v : Object.values(v)) collect(item);
  };
  collect(value);
  const decoded = await encryptedDataConverter(keys).payloadCodecs![0]!.decode(payloads as never);
  return decoded.map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8'));
}

const input = { user: { id: 'alice', email: SECRET_USER }, reason: SECRET_REASON };

test('temporal runtime (real dev server)', async (t) => {
  const h = await harness(t);
  if (!h) return;

  await t.test('runs the default workflow: validate, authorize, then revoke at expiry', async () => {
    const id = newInstanceId();
    const started = Date.now();
    await h.runtime.start({ instanceId: id, workflow: 'default', document: DEFAULT_WORKFLOW, input });
    const done = await waitForRow(h.store, id, 'completed');
    assert.deepEqual(h.calls.get(id), ['lease.validate', 'lease.authorize', 'lease.revoke']);
    assert.equal(done.state?.lease?.active, false);
    assert.equal(done.state?.lease?.revoked_reason, 'expired');
    assert.ok(Date.now() - started >= 1_000, 'revoked at expiry, not before');
    const observed = h.steps.filter((s) => s.instanceId === id);
    assert.deepEqual(
      observed.map((s) => s.commands.map((c) => (c.kind === 'call' ? c.name : c.id))),
      [['lease.validate'], ['lease.authorize'], ['lease-expiry'], ['lease.revoke'], []],
      'the observer saw every step that issued commands, and the end',
    );
  });

  await t.test('revokes early on a revoke signal', async () => {
    const id = newInstanceId();
    h.behaviour.set(id, { 'lease.authorize': async () => ({ expires_at: new Date(Date.now() + 60 * 60_000).toISOString() }) });
    await h.runtime.start({ instanceId: id, workflow: 'default', document: DEFAULT_WORKFLOW, input });
    await waitForRow(h.store, id, 'running', (s) => isTemporalCheckpoint(s) && s.state?.lease?.active === true);
    await h.runtime.signal(id, { type: 'com.lease.revoke', data: { reason: 'done early' } });
    const done = await waitForRow(h.store, id, 'completed');
    assert.deepEqual(h.calls.get(id), ['lease.validate', 'lease.authorize', 'lease.revoke']);
    assert.equal(done.state?.lease?.revoked_reason, 'done early');
  });

  type History = Awaited<ReturnType<ReturnType<TemporalRuntime['client']['workflow']['getHandle']>['fetchHistory']>>;
  const recorded: History[] = [];

  await t.test('evaluates jq expressions (set, switch) through recorded local activities', async () => {
    const id = newInstanceId();
    const document: WorkflowDocument = {
      document: { dsl: '1.0.0', namespace: 'test', name: 'flow', version: '1.0.0' },
      do: [
        { pick: { set: { short: '${ .minutes < 5 }', who: '${ $context.user.id }' } } },
        { route: { switch: [{ quick: { when: '${ .short }', then: 'pause' } }, { other: { then: 'end' } }] } },
        { pause: { wait: 'PT0.2S' } },
        { tell: { call: 'lease.notify', with: { message: 'granting ${ $context.user.id }' } } },
        { grant: { call: 'lease.authorize' } },
      ],
    };
    await h.runtime.start({ instanceId: id, workflow: 'flow', document, input: { ...input, minutes: 2 } });
    await waitForRow(h.store, id, 'completed');
    assert.deepEqual(h.calls.get(id), ['lease.notify', 'lease.authorize', 'lease.revoke']);
    recorded.push(await h.runtime.client.workflow.getHandle(id).fetchHistory());
  });

  await t.test('faults on a business failure without retrying it', async () => {
    const id = newInstanceId();
    h.behaviour.set(id, {
      'lease.validate': async () => {
        throw new ActivityFailure({ type: 'https://lease.dev/errors/denied', status: 403, title: 'not_in_scope' });
      },
    });
    await h.runtime.start({ instanceId: id, workflow: 'default', document: DEFAULT_WORKFLOW, input });
    const faulted = await waitForRow(h.store, id, 'faulted');
    assert.equal(faulted.state?.error?.title, 'not_in_scope');
    assert.equal(faulted.state?.error?.instance, '/do/0/validate');
    assert.deepEqual(h.calls.get(id), ['lease.validate']);
  });

  await t.test('starts each request workflow once, and recover() starts one a crash left unstarted', async () => {
    const id = newInstanceId();
    // A crash between the commit and Temporal's start: the row exists, the workflow does not.
    await h.store.workflows.insert({
      id,
      workflow: 'default',
      state: { engine: 'temporal', document: DEFAULT_WORKFLOW, input, state: null, step: 0 },
      status: 'running',
      wake_at: null,
      updated_at: new Date().toISOString(),
    });
    assert.equal(await h.runtime.recover(), 1);
    assert.equal(await h.runtime.recover(), 0, 'a second recovery finds it started');
    await waitForRow(h.store, id, 'completed');
    assert.deepEqual(h.calls.get(id), ['lease.validate', 'lease.authorize', 'lease.revoke']);
  });

  await t.test('use.secrets: the activity gets the secret, the history only its placeholder; an unknown secret fails the call', async () => {
    const id = newInstanceId();
    let received: unknown;
    h.behaviour.set(id, { 'lease.notify': async (_name, args) => void (received = args) });
    const document = {
      document: { dsl: '1.0.0', namespace: 'test', name: 'secrets', version: '1.0.0' },
      use: { secrets: ['apiToken', 'missing'] },
      do: [
        { tell: { call: 'lease.notify', with: { message: '${ "Bearer " + $secrets.apiToken }' } } },
        { fail: { call: 'lease.notify', with: { message: '${ $secrets.missing }' } } },
      ],
    } as WorkflowDocument;
    await h.runtime.start({ instanceId: id, workflow: 'secrets', document, input: {} });
    const done = await waitForRow(h.store, id, 'faulted');
    assert.deepEqual(received, { message: `Bearer ${SECRET_TOKEN}` });
    assert.equal(done.state?.error?.title, 'secret_unavailable');
    const decoded = JSON.stringify(await h.runtime.client.workflow.getHandle(id).fetchHistory().then((history) => decodeAll(h.keys, history)));
    assert.ok(decoded.includes('{{secret:apiToken}}'), 'the call argument in the history is the placeholder');
    assert.ok(!decoded.includes(SECRET_TOKEN), 'the secret value is not in the history, even decrypted');
  });

  await t.test('keeps request data out of Temporal: payloads in the history are encrypted', async () => {
    const id = newInstanceId();
    await h.runtime.start({ instanceId: id, workflow: 'default', document: DEFAULT_WORKFLOW, input });
    await waitForRow(h.store, id, 'completed');
    const history = await h.runtime.client.workflow.getHandle(id).fetchHistory();
    recorded.push(history);
    const raw = allText(history);
    assert.ok(raw.includes('binary/encrypted'), 'payloads carry the encrypted encoding');
    for (const secret of [SECRET_REASON, SECRET_USER, 'alice', 'expires_at', 'lease-expiry', 'json/plain']) {
      assert.ok(!raw.includes(secret), `"${secret}" appears in clear in the history`);
    }
    // Without the key, the client cannot read the workflow's data back.
    const stranger = PayloadKeys.fromKeys([{ kid: 'other', key: Buffer.alloc(32, 7) }]);
    await assert.rejects(stranger.current() && encryptedDataConverter(stranger).payloadCodecs![0]!.decode(history.events!.find((e) => e.workflowExecutionStartedEventAttributes)!.workflowExecutionStartedEventAttributes!.input!.payloads!), /unknown key/);
    assert.equal((await stat(payloadKeyFile(h.dataDir))).mode & 0o777, 0o600, 'the key file is private');
  });

  await t.test('replays recorded histories deterministically (expressions included)', async () => {
    assert.equal(recorded.length, 2, 'the tests above recorded two histories');
    for (const history of recorded) {
      await Worker.runReplayHistory(
        { workflowBundle: await leaseWorkflowBundle(), dataConverter: { ...encryptedDataConverter(h.keys), failureConverterPath } },
        history,
      );
    }
  });
});
