import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RecordNotFound } from './errors.js';
import { storeBackends } from './backends.fake.js';

const task = (over: Record<string, unknown> = {}) => ({
  id: 'task_1',
  key: 'grant:box:req_1',
  host: 'laptop-42',
  provider: 'box',
  kind: 'grant' as const,
  request_id: 'req_1',
  payload: { type: 'sudo', settings: {} },
  status: 'pending' as const,
  attempt: 1,
  deliver_before: null,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  ...over,
});

storeBackends((open) => {
  describe('host tasks store', () => {
    test('a claimed task is not handed out again until its claim runs out', async (t) => {
      const { store, clock } = await open(t);
      await store.hostTasks.insert(task());
      const now = clock.now();
      assert.equal((await store.hostTasks.claim('laptop-42', now, now + 1000, 10)).length, 1);
      assert.equal((await store.hostTasks.claim('laptop-42', now + 999, now + 2000, 10)).length, 0);
      const again = await store.hostTasks.claim('laptop-42', now + 1000, now + 3000, 10);
      assert.deepEqual(again.map((r) => r.id), ['task_1']);
    });

    test('hands a host only its own tasks, oldest first', async (t) => {
      const { store, clock } = await open(t);
      await store.hostTasks.insert(task({ id: 'task_b', key: 'b', created_at: '2026-01-01T00:00:02.000Z' }));
      await store.hostTasks.insert(task({ id: 'task_a', key: 'a', created_at: '2026-01-01T00:00:01.000Z' }));
      await store.hostTasks.insert(task({ id: 'task_c', key: 'c', host: 'other' }));
      const claimed = await store.hostTasks.claim('laptop-42', clock.now(), clock.now() + 1000, 10);
      assert.deepEqual(claimed.map((r) => r.id), ['task_a', 'task_b']);
    });

    test('does not hand out a task past its deliver_before', async (t) => {
      const { store, clock } = await open(t);
      await store.hostTasks.insert(task({ deliver_before: clock.now() }));
      assert.equal((await store.hostTasks.claim('laptop-42', clock.now(), clock.now() + 1000, 10)).length, 0);
    });

    test('completes an attempt once; a stale attempt or a finished task is not changed', async (t) => {
      const { store } = await open(t);
      await store.hostTasks.insert(task());
      assert.equal(await store.hostTasks.complete('task_1', 2, { status: 'done', result: 1 }), false);
      assert.equal(await store.hostTasks.complete('task_1', 1, { status: 'done', result: { ok: true } }), true);
      assert.equal(await store.hostTasks.complete('task_1', 1, { status: 'failed', error: { code: 'x', message: 'y', status: 500 } }), false);
      const row = await store.hostTasks.getByKey('grant:box:req_1');
      assert.equal(row?.status, 'done');
      assert.deepEqual(row?.result, { ok: true });
      await assert.rejects(store.hostTasks.complete('task_9', 1, { status: 'done', result: null }), RecordNotFound);
    });

    test('rearming makes a finished task pending again under a new attempt', async (t) => {
      const { store, clock } = await open(t);
      await store.hostTasks.insert(task());
      await store.hostTasks.complete('task_1', 1, { status: 'failed', error: { code: 'sudoers_io_failed', message: 'disk', status: 500 } });
      await store.hostTasks.rearm('task_1', { attempt: 2, payload: { n: 2 }, deliver_before: null });
      const [row] = await store.hostTasks.claim('laptop-42', clock.now(), clock.now() + 1000, 10);
      assert.equal(row?.attempt, 2);
      assert.equal(row?.error, null);
      assert.deepEqual(row?.payload, { n: 2 });
    });
  });
});
