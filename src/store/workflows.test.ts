import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordExists, RecordNotFound } from './errors.js';
import { storeBackends } from './backends.fake.js';
import type { WorkflowInstanceRecord } from './types.js';

function instance(overrides: Partial<WorkflowInstanceRecord> = {}): WorkflowInstanceRecord {
  return {
    id: 'req_1',
    workflow: 'default',
    state: { position: ['do', 0], vars: { approved: false } },
    status: 'running',
    wake_at: null,
    updated_at: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

storeBackends((open) => {
  test('inserts an instance and reads it back, state included', async (t) => {
    const { store } = await open(t);
    await store.workflows.insert(instance());
    assert.deepEqual(await store.workflows.get('req_1'), instance());
    assert.equal(await store.workflows.get('nope'), undefined);
  });

  test('inserting the same instance twice is refused with workflow_instance_exists', async (t) => {
    const { store } = await open(t);
    await store.workflows.insert(instance());
    await assert.rejects(store.workflows.insert(instance()), RecordExists);
  });

  test('save replaces state, status and wake_at and stamps updated_at', async (t) => {
    const { store, clock } = await open(t);
    await store.workflows.insert(instance());
    clock.set(Date.parse('2026-01-01T00:10:00Z'));
    await store.workflows.save('req_1', { state: { position: ['do', 3] }, status: 'running', wake_at: 1234 });
    assert.deepEqual(await store.workflows.get('req_1'), {
      ...instance(),
      state: { position: ['do', 3] },
      wake_at: 1234,
      updated_at: '2026-01-01T00:10:00.000Z',
    });
  });

  test('saving an unknown instance throws workflow_instance_not_found', async (t) => {
    const { store } = await open(t);
    await assert.rejects(store.workflows.save('nope', { state: {}, status: 'running', wake_at: null }), (err) => {
      assert.ok(err instanceof RecordNotFound);
      assert.equal(err.code, 'workflow_instance_not_found');
      return true;
    });
  });

  test('listOpen returns running instances oldest first', async (t) => {
    const { store } = await open(t);
    await store.workflows.insert(instance({ id: 'b', updated_at: '2026-01-01T00:00:02.000Z' }));
    await store.workflows.insert(instance({ id: 'a', updated_at: '2026-01-01T00:00:01.000Z' }));
    await store.workflows.insert(instance({ id: 'c', updated_at: '2026-01-01T00:00:03.000Z', status: 'completed' }));
    await store.workflows.insert(instance({ id: 'd', updated_at: '2026-01-01T00:00:04.000Z', status: 'faulted' }));
    // Saving a checkpoint does not change an instance's age.
    await store.workflows.save('a', { state: {}, status: 'running', wake_at: null });
    assert.deepEqual((await store.workflows.listOpen()).map((w) => w.id), ['a', 'b']);
  });

  test('listOpenAfter walks the running instances a page at a time, by id', async (t) => {
    const { store } = await open(t);
    for (const id of ['e', 'a', 'd', 'b']) await store.workflows.insert(instance({ id }));
    await store.workflows.insert(instance({ id: 'c', status: 'completed' }));
    assert.deepEqual((await store.workflows.listOpenAfter(null, 2)).map((w) => w.id), ['a', 'b']);
    assert.deepEqual((await store.workflows.listOpenAfter('b', 2)).map((w) => w.id), ['d', 'e']);
    assert.deepEqual(await store.workflows.listOpenAfter('e', 2), []);
    const [first] = await store.workflows.listOpenAfter(null, 1);
    assert.deepEqual(first, await store.workflows.get('a'), 'whole records, checkpoint included');
  });

  test('listDue returns running instances whose wake_at has passed, earliest first, up to the limit', async (t) => {
    const { store } = await open(t);
    await store.workflows.insert(instance({ id: 'late', wake_at: 300 }));
    await store.workflows.insert(instance({ id: 'early', wake_at: 100 }));
    await store.workflows.insert(instance({ id: 'exact', wake_at: 200 }));
    await store.workflows.insert(instance({ id: 'future', wake_at: 201 }));
    await store.workflows.insert(instance({ id: 'no-timer', wake_at: null }));
    await store.workflows.insert(instance({ id: 'done', wake_at: 50, status: 'completed' }));

    assert.deepEqual((await store.workflows.listDue(200)).map((w) => w.id), ['early', 'exact']);
    assert.deepEqual((await store.workflows.listDue(1000, 2)).map((w) => w.id), ['early', 'exact']);
    assert.deepEqual(await store.workflows.listDue(99), []);
  });

  test('nextWakeAt is the earliest wake_at among running instances, or null', async (t) => {
    const { store } = await open(t);
    assert.equal(await store.workflows.nextWakeAt(), null);
    await store.workflows.insert(instance({ id: 'no-timer', wake_at: null }));
    assert.equal(await store.workflows.nextWakeAt(), null);
    await store.workflows.insert(instance({ id: 'done', wake_at: 10, status: 'faulted' }));
    await store.workflows.insert(instance({ id: 'b', wake_at: 500 }));
    await store.workflows.insert(instance({ id: 'a', wake_at: 400 }));
    assert.equal(await store.workflows.nextWakeAt(), 400);
  });
});
