import assert from 'node:assert/strict';
import { setImmediate as nextTick } from 'node:timers/promises';
import { test } from 'node:test';
import { storeBackends } from './backends.fake.js';
import { requestRecord } from './temp-store.fake.js';

storeBackends((open) => {
  test('a transaction commits everything written through tx', async (t) => {
    const { store } = await open(t);
    const result = await store.transaction(async (tx) => {
      await tx.requests.insert(requestRecord());
      await tx.audit.append({ actor: 'alice', action: 'request.created', subject: 'req_1', data: {} });
      return 'done';
    });
    assert.equal(result, 'done');
    assert.equal(await store.requests.count(), 1);
    assert.equal((await store.audit.list()).length, 1);
  });

  test('a throw inside a transaction rolls back every write and rethrows', async (t) => {
    const { store } = await open(t);
    await store.requests.insert(requestRecord({ id: 'before' }));
    const boom = new Error('boom');
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.requests.insert(requestRecord());
        await tx.requests.update('before', { status: 'active' });
        await tx.workflows.insert({ id: 'req_1', workflow: 'd', state: {}, status: 'running', wake_at: 1, updated_at: 'x' });
        await tx.inbox.append('req_1', { n: 1 });
        await tx.audit.append({ actor: 'alice', action: 'request.created', subject: 'req_1', data: {} });
        throw boom;
      }),
      boom,
    );
    assert.equal(await store.requests.get('req_1'), undefined);
    assert.equal((await store.requests.get('before'))?.status, 'pending');
    assert.equal(await store.workflows.get('req_1'), undefined);
    assert.deepEqual(await store.inbox.listPending('req_1'), []);
    assert.deepEqual(await store.audit.list(), []);
  });

  test('a nested transaction runs inside the outer one; a throw in it rolls back both', async (t) => {
    const { store } = await open(t);
    await store.transaction(async (tx) => {
      await tx.transaction(async (inner) => inner.requests.insert(requestRecord({ id: 'kept' })));
    });
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.requests.insert(requestRecord({ id: 'outer' }));
        await tx.transaction(async (inner) => {
          await inner.requests.insert(requestRecord({ id: 'inner' }));
          throw new Error('inner failed');
        });
      }),
      /inner failed/,
    );
    assert.deepEqual((await store.requests.list()).map((r) => r.id), ['kept']);
  });

  test('50 concurrent read-then-write transactions do not lose an update', async (t) => {
    const { store } = await open(t);
    await store.requests.insert(requestRecord({ duration_ms: 0 }));
    await Promise.all(
      Array.from({ length: 50 }, () =>
        store.transaction(async (tx) => {
          const current = await tx.requests.get('req_1');
          await nextTick(); // give every other caller the chance to interleave
          await tx.requests.update('req_1', { duration_ms: (current?.duration_ms ?? 0) + 1 });
        }),
      ),
    );
    assert.equal((await store.requests.get('req_1'))?.duration_ms, 50);
  });

  test('plain calls made while a transaction is open wait for it and see its result', async (t) => {
    const { store } = await open(t);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const tx = store.transaction(async (tx) => {
      await tx.requests.insert(requestRecord());
      await gate;
    });
    const read = store.requests.get('req_1');
    release();
    await tx;
    assert.equal((await read)?.id, 'req_1');
  });

  test('a transaction store cannot close the database', async (t) => {
    const { store } = await open(t);
    await store.transaction(async (tx) => {
      await assert.rejects(tx.close(), TypeError);
    });
  });

  test('a transaction store cannot be used after its transaction ended', async (t) => {
    const { store } = await open(t);
    let leaked: typeof store | undefined;
    await store.transaction(async (tx) => {
      leaked = tx;
    });
    await assert.rejects(leaked!.requests.get('req_1'));
  });
});
