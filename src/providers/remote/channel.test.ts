import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { silentLogger } from '../../core/index.js';
import { openTempStore } from '../../store/temp-store.fake.js';
import { HostChannel, ONLINE_WINDOW_MS, type HostTaskSpec } from './channel.js';
import { HostChannelClosed, HostOffline, HostTaskFailed, HostTimeout } from './errors.js';
import { TASK_CLAIM_MS } from './protocol.js';

const HOST = 'laptop-42';

async function setup(t: TestContext) {
  const temp = await openTempStore(t);
  const channel = new HostChannel({ store: temp.store, clock: temp.clock, logger: silentLogger });
  t.after(() => channel.close());
  return { ...temp, channel };
}

const spec = (over: Partial<HostTaskSpec> = {}): HostTaskSpec => ({
  host: HOST,
  provider: 'box',
  kind: 'grant',
  requestId: 'req_1',
  payload: { type: 'sudo', settings: {}, input: { n: 1 } },
  reuseDone: true,
  offline: 'wait',
  waitMs: 5_000,
  ...over,
});

describe('host channel', () => {
  test('commits the task before the call waits, and returns the host answer', async (t) => {
    const { channel, store } = await setup(t);
    const call = channel.run(spec());
    const [task] = await channel.fetch(HOST, 1_000);
    assert.ok(task);
    assert.equal((await store.hostTasks.get(task.id))?.status, 'pending');
    assert.equal(task.kind, 'grant');
    assert.equal(await channel.answer(HOST, task.id, { attempt: task.attempt, outcome: 'done', result: { granted: 1 } }), true);
    assert.deepEqual(await call, { granted: 1 });
  });

  test('a retried grant is answered from the finished task, not run twice', async (t) => {
    const { channel } = await setup(t);
    const first = channel.run(spec());
    const [task] = await channel.fetch(HOST, 1_000);
    await channel.answer(HOST, task!.id, { attempt: 1, outcome: 'done', result: 'once' });
    await first;
    assert.equal(await channel.run(spec()), 'once');
    assert.deepEqual(await channel.fetch(HOST, 0), []);
  });

  test('a retry while the task is pending waits for the same task', async (t) => {
    const { channel } = await setup(t);
    const a = channel.run(spec());
    const b = channel.run(spec());
    const tasks = await channel.fetch(HOST, 1_000);
    assert.equal(tasks.length, 1);
    await channel.answer(HOST, tasks[0]!.id, { attempt: 1, outcome: 'done', result: 'x' });
    assert.deepEqual(await Promise.all([a, b]), ['x', 'x']);
  });

  test('a revoke runs again even when an earlier one finished', async (t) => {
    const { channel } = await setup(t);
    const revoke = spec({ kind: 'revoke', reuseDone: false });
    const first = channel.run(revoke);
    const [t1] = await channel.fetch(HOST, 1_000);
    await channel.answer(HOST, t1!.id, { attempt: 1, outcome: 'done', result: null });
    await first;
    const second = channel.run(revoke);
    const [t2] = await channel.fetch(HOST, 1_000);
    assert.equal(t2?.id, t1?.id);
    assert.equal(t2?.attempt, 2);
    await channel.answer(HOST, t2!.id, { attempt: 2, outcome: 'done', result: null });
    await second;
  });

  test('an unanswered call throws a transient error and its task stays queued for the host', async (t) => {
    const { channel } = await setup(t);
    await assert.rejects(channel.run(spec({ kind: 'revoke', reuseDone: false, waitMs: 50 })), (err: unknown) => err instanceof HostTimeout && err.status >= 500);
    const [task] = await channel.fetch(HOST, 0);
    assert.equal(task?.kind, 'revoke');
  });

  test('a host refusal is a failure with the host code; retrying returns it without running again', async (t) => {
    const { channel } = await setup(t);
    const call = channel.run(spec());
    const [task] = await channel.fetch(HOST, 1_000);
    await channel.answer(HOST, task!.id, { attempt: 1, outcome: 'failed', error: { code: 'sudo_invalid_account', message: 'bad account', status: 400 } });
    await assert.rejects(call, (err: unknown) => err instanceof HostTaskFailed && err.code === 'sudo_invalid_account' && err.status === 400);
    await assert.rejects(channel.run(spec()), HostTaskFailed);
    assert.deepEqual(await channel.fetch(HOST, 0), []);
  });

  test('a transient host failure is run again on the next call', async (t) => {
    const { channel } = await setup(t);
    const call = channel.run(spec());
    const [task] = await channel.fetch(HOST, 1_000);
    await channel.answer(HOST, task!.id, { attempt: 1, outcome: 'failed', error: { code: 'sudoers_io_failed', message: 'disk full', status: 500 } });
    await assert.rejects(call, (err: unknown) => err instanceof HostTaskFailed && err.status === 500);
    const retry = channel.run(spec());
    const [again] = await channel.fetch(HOST, 1_000);
    assert.equal(again?.attempt, 2);
    await channel.answer(HOST, again!.id, { attempt: 2, outcome: 'done', result: 'ok' });
    assert.equal(await retry, 'ok');
  });

  test('a task fetched and never answered is handed out again once its claim runs out', async (t) => {
    const { channel, clock } = await setup(t);
    void channel.run(spec({ waitMs: 100 })).catch(() => undefined);
    assert.equal((await channel.fetch(HOST, 1_000)).length, 1);
    assert.equal((await channel.fetch(HOST, 0)).length, 0);
    clock.advance(TASK_CLAIM_MS);
    assert.equal((await channel.fetch(HOST, 0)).length, 1);
  });

  test('a grant nobody waits for any more is not delivered late', async (t) => {
    const { channel, clock } = await setup(t);
    await assert.rejects(channel.run(spec({ deliverWithinMs: 1_000, waitMs: 20 })), HostTimeout);
    clock.advance(1_000);
    assert.deepEqual(await channel.fetch(HOST, 0), []);
  });

  test('a grant fails at once, queuing nothing, when the host is known to be offline', async (t) => {
    const { channel, clock, store } = await setup(t);
    channel.serveAgents();
    clock.advance(ONLINE_WINDOW_MS);
    await assert.rejects(channel.run(spec({ offline: 'fail' })), HostOffline);
    assert.equal(await store.hostTasks.getByKey('grant:box:req_1'), undefined);
    // A revocation is queued anyway, for when the host is back.
    await assert.rejects(channel.run(spec({ kind: 'revoke', offline: 'wait', waitMs: 20 })), HostOffline);
    assert.equal((await store.hostTasks.getByKey('revoke:box:req_1'))?.status, 'pending');
  });

  test('a host that polled recently counts as online', async (t) => {
    const { channel, clock } = await setup(t);
    channel.serveAgents();
    clock.advance(ONLINE_WINDOW_MS);
    assert.equal(channel.online(HOST), false);
    await channel.fetch(HOST, 0);
    assert.equal(channel.online(HOST), true);
  });

  test('a host cannot answer another host task, nor a stale attempt', async (t) => {
    const { channel } = await setup(t);
    void channel.run(spec({ waitMs: 100 })).catch(() => undefined);
    const [task] = await channel.fetch(HOST, 1_000);
    await assert.rejects(channel.answer('intruder', task!.id, { attempt: 1, outcome: 'done', result: 'forged' }), { code: 'host_task_not_found' });
    assert.equal(await channel.answer(HOST, task!.id, { attempt: 7, outcome: 'done', result: 'stale' }), false);
  });

  test('closing ends the long polls and the waiting calls', async (t) => {
    const { channel } = await setup(t);
    const poll = channel.fetch('idle-host', 20_000);
    const call = channel.run(spec({ waitMs: 20_000 }));
    await new Promise((r) => setTimeout(r, 20));
    channel.close();
    assert.deepEqual(await poll, []);
    await assert.rejects(call, HostChannelClosed);
  });

  test('a poll whose agent hung up claims nothing', async (t) => {
    const { channel } = await setup(t);
    const hangUp = new AbortController();
    const poll = channel.fetch(HOST, 20_000, { signal: hangUp.signal });
    await new Promise((r) => setTimeout(r, 20));
    hangUp.abort();
    assert.deepEqual(await poll, []);
    void channel.run(spec({ waitMs: 100 })).catch(() => undefined);
    assert.equal((await channel.fetch(HOST, 1_000)).length, 1);
  });

  test('a fresh agent gets again the tasks a lost connection had claimed', async (t) => {
    const { channel } = await setup(t);
    void channel.run(spec({ waitMs: 100 })).catch(() => undefined);
    assert.equal((await channel.fetch(HOST, 1_000)).length, 1);
    assert.equal((await channel.fetch(HOST, 0)).length, 0);
    assert.equal((await channel.fetch(HOST, 0, { fresh: true })).length, 1);
  });
});
