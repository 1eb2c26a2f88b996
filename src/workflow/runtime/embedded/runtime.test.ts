import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, systemClock } from '../../../core/index.js';
import { openSqliteStore, type Store } from '../../../store/index.js';
import { DEFAULT_WORKFLOW } from '../../dsl/index.js';
import { createJqEngine } from '../../expressions/index.js';
import type { ExpressionEngine, WorkflowDocument } from '../../interpreter/types.js';
import { ActivityFailure, type ActivityHandler } from '../activities.js';
import { EmbeddedRuntime, type Checkpoint } from './runtime.js';

const engine: Promise<ExpressionEngine> = createJqEngine();

async function tempStoreFile(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-runtime-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'lease.db');
}

/** Activities that record their calls; authorize grants for `leaseMs`. */
function recordingActivities(leaseMs: number, overrides: Partial<Record<string, ActivityHandler>> = {}) {
  const calls: string[] = [];
  const handler: ActivityHandler = async (name, args, ctx) => {
    calls.push(name);
    const override = overrides[name];
    if (override) return override(name, args, ctx);
    if (name === 'lease.authorize') return { expires_at: new Date(Date.now() + leaseMs).toISOString() };
    return { ok: true };
  };
  return { calls, handler };
}

async function runtimeOn(store: Store, activities: ActivityHandler): Promise<EmbeddedRuntime> {
  return new EmbeddedRuntime({ store, clock: systemClock, expressions: await engine, activities, logger: silentLogger });
}

async function waitForStatus(store: Store, id: string, status: string, timeoutMs = 30_000): Promise<Checkpoint> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await store.workflows.get(id);
    if (record && record.status === status) return record.state as Checkpoint;
    if (Date.now() > deadline) throw new Error(`instance ${id} did not reach ${status} (is ${record?.status})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function waitUntil(ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('embedded runtime', () => {
  it('runs the default workflow: validate, authorize, then revoke at expiry', async (t) => {
    const store = await openSqliteStore({ file: await tempStoreFile(t) });
    t.after(() => store.close());
    const { calls, handler } = recordingActivities(200);
    const runtime = await runtimeOn(store, handler);
    t.after(() => runtime.stop());
    await runtime.start({ instanceId: 'wf_1', workflow: 'default', document: DEFAULT_WORKFLOW, input: {} });
    const done = await waitForStatus(store, 'wf_1', 'completed');
    assert.deepEqual(calls, ['lease.validate', 'lease.authorize', 'lease.revoke']);
    assert.equal(done.state.lease?.active, false);
  });

  it('re-runs a call that was in flight when the process died', async (t) => {
    const file = await tempStoreFile(t);
    const first = await openSqliteStore({ file });
    // The first process never finishes authorize: it "dies" with the call in flight.
    const hung = recordingActivities(60_000, { 'lease.authorize': () => new Promise(() => {}) });
    const dying = await runtimeOn(first, hung.handler);
    await dying.start({ instanceId: 'wf_2', workflow: 'default', document: DEFAULT_WORKFLOW, input: {} });
    await waitUntil(() => hung.calls.length === 2);
    assert.deepEqual(hung.calls, ['lease.validate', 'lease.authorize']);
    await first.close();

    const second = await openSqliteStore({ file });
    t.after(() => second.close());
    const { calls, handler } = recordingActivities(150);
    const runtime = await runtimeOn(second, handler);
    t.after(() => runtime.stop());
    assert.equal(await runtime.recover(), 1);
    await waitForStatus(second, 'wf_2', 'completed');
    assert.deepEqual(calls, ['lease.authorize', 'lease.revoke'], 'authorize re-run once, then revoked at expiry');
  });

  it('fires a persisted expiry that passed while no process was running', async (t) => {
    const file = await tempStoreFile(t);
    const first = await openSqliteStore({ file });
    // Long enough to stop the first runtime before the expiry on a busy machine.
    const before = recordingActivities(2_000);
    const runtime1 = await runtimeOn(first, before.handler);
    await runtime1.start({ instanceId: 'wf_3', workflow: 'default', document: DEFAULT_WORKFLOW, input: {} });
    const waiting = await (async () => {
      for (;;) {
        const r = await first.workflows.get('wf_3');
        if ((r?.state as Checkpoint).state.lease?.active) return r!;
        await new Promise((res) => setTimeout(res, 10));
      }
    })();
    assert.ok(waiting.wake_at, 'the expiry is persisted as wake_at');
    await runtime1.stop();
    await first.close();
    assert.deepEqual(before.calls, ['lease.validate', 'lease.authorize'], 'stopped before the expiry');
    const expiresAt = (waiting.state as Checkpoint).state.lease!.expires_at;
    await waitUntil(() => Date.now() > expiresAt);

    const second = await openSqliteStore({ file });
    t.after(() => second.close());
    const after = recordingActivities(0);
    const runtime2 = await runtimeOn(second, after.handler);
    t.after(() => runtime2.stop());
    const restarted = Date.now();
    await runtime2.recover();
    await waitForStatus(second, 'wf_3', 'completed');
    assert.deepEqual(after.calls, ['lease.revoke']);
    // At once, not at some later wake-up; the bound only keeps a busy machine from deciding.
    assert.ok(Date.now() - restarted < 10_000, 'revoked promptly after recovery');
  });

  it('delivers a revoke event through the persisted inbox', async (t) => {
    const store = await openSqliteStore({ file: await tempStoreFile(t) });
    t.after(() => store.close());
    const { calls, handler } = recordingActivities(60_000);
    const runtime = await runtimeOn(store, handler);
    t.after(() => runtime.stop());
    await runtime.start({ instanceId: 'wf_4', workflow: 'default', document: DEFAULT_WORKFLOW, input: {} });
    await runtime.idle();
    await runtime.signal('wf_4', { type: 'com.lease.revoke', data: { reason: 'done early' } });
    await waitForStatus(store, 'wf_4', 'completed');
    assert.deepEqual(calls, ['lease.validate', 'lease.authorize', 'lease.revoke']);
    assert.deepEqual(await store.inbox.listPending('wf_4'), []);
  });

  it('keeps no checkpoint in memory for an instance waiting on its expiry, only its timer', async (t) => {
    const file = await tempStoreFile(t);
    const store = await openSqliteStore({ file });
    t.after(() => store.close());
    const { calls, handler } = recordingActivities(3_600_000);
    const runtime = await runtimeOn(store, handler);
    t.after(() => runtime.stop());
    for (const id of ['wf_m1', 'wf_m2', 'wf_m3']) await runtime.start({ instanceId: id, workflow: 'default', document: DEFAULT_WORKFLOW, input: {} });
    await runtime.idle();
    assert.deepEqual(runtime.resident(), { checkpoints: 0, timers: 3 });
    // An event reads the checkpoint from the store; the revocation cancels the expiry timer.
    await runtime.signal('wf_m2', { type: 'com.lease.revoke', data: { reason: 'done early' } });
    await waitForStatus(store, 'wf_m2', 'completed');
    await runtime.idle();
    assert.deepEqual(runtime.resident(), { checkpoints: 0, timers: 2 });
    assert.equal(calls.filter((c) => c === 'lease.revoke').length, 1);
    await runtime.stop();

    const restarted = await runtimeOn(store, handler);
    t.after(() => restarted.stop());
    assert.equal(await restarted.recover(), 2);
    assert.deepEqual(restarted.resident(), { checkpoints: 0, timers: 2 });
  });

  it('recovers every open instance, more than one page of them', async (t) => {
    const store = await openSqliteStore({ file: await tempStoreFile(t) });
    t.after(() => store.close());
    const { handler } = recordingActivities(3_600_000);
    const first = await runtimeOn(store, handler);
    await first.start({ instanceId: 'wf_p', workflow: 'default', document: DEFAULT_WORKFLOW, input: {} });
    await first.idle();
    await first.stop();
    const waiting = (await store.workflows.get('wf_p'))!;
    for (let i = 0; i < 1_200; i++) await store.workflows.insert({ ...waiting, id: `wf_p${String(i).padStart(4, '0')}` });
    const runtime = await runtimeOn(store, handler);
    t.after(() => runtime.stop());
    assert.equal(await runtime.recover(), 1_201);
    assert.deepEqual(runtime.resident(), { checkpoints: 0, timers: 1_201 });
  });

  it('retries a transient activity failure and faults on a business failure', async (t) => {
    const store = await openSqliteStore({ file: await tempStoreFile(t) });
    t.after(() => store.close());
    let attempts = 0;
    const { handler } = recordingActivities(100, {
      'lease.validate': async () => {
        attempts++;
        if (attempts < 2) throw new Error('connection reset');
        return { ok: true };
      },
    });
    const runtime = await runtimeOn(store, handler);
    t.after(() => runtime.stop());
    await runtime.start({ instanceId: 'wf_5', workflow: 'default', document: DEFAULT_WORKFLOW, input: {} });
    await waitForStatus(store, 'wf_5', 'completed');
    assert.equal(attempts, 2);

    const denied = recordingActivities(100, {
      'lease.validate': async () => {
        throw new ActivityFailure({ type: 'https://lease.dev/errors/denied', status: 403, title: 'not_in_scope' });
      },
    });
    const runtime2 = await runtimeOn(store, denied.handler);
    t.after(() => runtime2.stop());
    await runtime2.start({ instanceId: 'wf_6', workflow: 'default', document: DEFAULT_WORKFLOW, input: {} });
    const faulted = await waitForStatus(store, 'wf_6', 'faulted');
    assert.equal(faulted.state.error?.title, 'not_in_scope');
    assert.equal(faulted.state.error?.instance, '/do/0/validate');
    assert.deepEqual(denied.calls, ['lease.validate']);
  });

  it('runs a document with set, switch and wait between calls', async (t) => {
    const store = await openSqliteStore({ file: await tempStoreFile(t) });
    t.after(() => store.close());
    const { calls, handler } = recordingActivities(100);
    const runtime = await runtimeOn(store, handler);
    t.after(() => runtime.stop());
    const document: WorkflowDocument = {
      document: { dsl: '1.0.0', namespace: 'test', name: 'flow', version: '1.0.0' },
      do: [
        { pick: { set: { short: '${ .minutes < 5 }' } } },
        { route: { switch: [{ quick: { when: '${ .short }', then: 'pause' } }, { other: { then: 'end' } }] } },
        { pause: { wait: 'PT0.1S' } },
        { grant: { call: 'lease.authorize' } },
      ],
    };
    await runtime.start({ instanceId: 'wf_7', workflow: 'flow', document, input: { minutes: 2 } });
    await waitForStatus(store, 'wf_7', 'completed');
    assert.deepEqual(calls, ['lease.authorize', 'lease.revoke']);
  });

  it('hands secrets to activities without ever storing them', async (t) => {
    const file = await tempStoreFile(t);
    const store = await openSqliteStore({ file });
    t.after(() => store.close());
    const seen: unknown[] = [];
    const { handler } = recordingActivities(100, {
      'lease.notify': async (_name, args) => {
        seen.push(args);
        return { sent: true };
      },
    });
    const runtime = new EmbeddedRuntime({
      store,
      clock: systemClock,
      expressions: await engine,
      activities: handler,
      logger: silentLogger,
      secrets: (name) => (name === 'webhook' ? 's3cr3t-value' : undefined),
    });
    t.after(() => runtime.stop());
    const document: WorkflowDocument = {
      document: { dsl: '1.0.0', namespace: 'test', name: 'secret', version: '1.0.0' },
      use: { secrets: ['webhook'] },
      do: [{ tell: { call: 'lease.notify', with: { token: '${ $secrets.webhook }' } } }],
    };
    await runtime.start({ instanceId: 'wf_8', workflow: 'secret', document, input: {} });
    await waitForStatus(store, 'wf_8', 'completed');
    assert.deepEqual(seen, [{ token: 's3cr3t-value' }]);
    const { readFile } = await import('node:fs/promises');
    for (const f of [file, `${file}-wal`]) {
      const bytes = await readFile(f).catch(() => Buffer.alloc(0));
      assert.equal(bytes.includes('s3cr3t-value'), false, `${f} holds no secret`);
    }
  });
});
