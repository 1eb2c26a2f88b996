import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordNotFound, StoreIntegrityError } from './errors.js';
import { storeBackends } from './backends.fake.js';
import type { Store } from './types.js';

async function addInstance(store: Store, id: string): Promise<void> {
  await store.workflows.insert({ id, workflow: 'default', state: {}, status: 'running', wake_at: null, updated_at: '2026-01-01T00:00:00.000Z' });
}

storeBackends((open) => {
  test('append returns increasing seqs and listPending returns one instance’s events in order', async (t) => {
    const { store } = await open(t);
    await addInstance(store, 'w1');
    await addInstance(store, 'w2');
    const s1 = await store.inbox.append('w1', { type: 'approved', by: 'bob' });
    const s2 = await store.inbox.append('w2', { type: 'revoke' });
    const s3 = await store.inbox.append('w1', { type: 'extend' });
    assert.ok(s1 < s2 && s2 < s3);
    assert.deepEqual(await store.inbox.listPending('w1'), [
      { seq: s1, instance_id: 'w1', event: { type: 'approved', by: 'bob' }, created_at: '2026-01-01T00:00:00.000Z' },
      { seq: s3, instance_id: 'w1', event: { type: 'extend' }, created_at: '2026-01-01T00:00:00.000Z' },
    ]);
  });

  test('listPending without an instance returns every instance’s unconsumed events, by instance then in order', async (t) => {
    const { store } = await open(t);
    await addInstance(store, 'w1');
    await addInstance(store, 'w2');
    const s1 = await store.inbox.append('w2', { n: 1 });
    const s2 = await store.inbox.append('w1', { n: 2 });
    const s3 = await store.inbox.append('w2', { n: 3 });
    const s4 = await store.inbox.append('w1', { n: 4 });
    await store.inbox.markConsumed(s2);
    assert.deepEqual((await store.inbox.listPending()).map((e) => [e.instance_id, e.seq]), [['w1', s4], ['w2', s1], ['w2', s3]]);
  });

  test('markConsumed removes an event from the pending list and is idempotent', async (t) => {
    const { store } = await open(t);
    await addInstance(store, 'w1');
    const s1 = await store.inbox.append('w1', { n: 1 });
    const s2 = await store.inbox.append('w1', { n: 2 });
    await store.inbox.markConsumed(s1);
    await store.inbox.markConsumed(s1);
    assert.deepEqual((await store.inbox.listPending('w1')).map((e) => e.seq), [s2]);
  });

  test('consuming an unknown event throws inbox_event_not_found', async (t) => {
    const { store } = await open(t);
    await assert.rejects(store.inbox.markConsumed(999), (err) => err instanceof RecordNotFound && err.code === 'inbox_event_not_found');
  });

  test('an event for an instance that does not exist is refused', async (t) => {
    const { store } = await open(t);
    await assert.rejects(store.inbox.append('ghost', { n: 1 }), StoreIntegrityError);
    assert.deepEqual(await store.inbox.listPending('ghost'), []);
  });

  test('within a transaction, the event may be appended before its instance is inserted', async (t) => {
    const { store } = await open(t);
    await store.transaction(async (tx) => {
      await tx.inbox.append('w1', { n: 1 });
      await addInstance(tx, 'w1');
    });
    assert.equal((await store.inbox.listPending('w1')).length, 1);
  });

  test('a transaction that leaves an event without its instance fails at commit and writes nothing', async (t) => {
    const { store } = await open(t);
    await assert.rejects(
      store.transaction(async (tx) => {
        await addInstance(tx, 'real');
        await tx.inbox.append('ghost', { n: 1 });
      }),
      StoreIntegrityError,
    );
    assert.equal(await store.workflows.get('real'), undefined);
    await addInstance(store, 'real');
    assert.ok((await store.inbox.append('real', { n: 2 })) > 0);
  });
});
