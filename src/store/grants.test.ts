import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordNotFound, StoreIntegrityError } from './errors.js';
import { storeBackends } from './backends.fake.js';
import { requestRecord } from './temp-store.fake.js';

const granted = { request_id: 'req_1', provider: 'aws-prod', record: { assignment: 'a-1' }, granted_at: '2026-01-01T00:01:00.000Z' };

storeBackends((open) => {
  test('upsert records a grant that get returns as active', async (t) => {
    const { store } = await open(t);
    await store.requests.insert(requestRecord());
    await store.grants.upsert(granted);
    assert.deepEqual(await store.grants.get('req_1', 'aws-prod'), { ...granted, revoked_at: null });
    assert.equal(await store.grants.get('req_1', 'other'), undefined);
  });

  test('a second upsert for the same request and provider replaces the record', async (t) => {
    const { store } = await open(t);
    await store.requests.insert(requestRecord());
    await store.grants.upsert(granted);
    await store.grants.markRevoked('req_1', 'aws-prod', '2026-01-01T00:30:00.000Z');
    await store.grants.upsert({ ...granted, record: { assignment: 'a-2' }, granted_at: '2026-01-01T00:40:00.000Z' });
    assert.deepEqual(await store.grants.get('req_1', 'aws-prod'), {
      ...granted,
      record: { assignment: 'a-2' },
      granted_at: '2026-01-01T00:40:00.000Z',
      revoked_at: null,
    });
  });

  test('markRevoked sets revoked_at once; a repeat keeps the first time', async (t) => {
    const { store } = await open(t);
    await store.requests.insert(requestRecord());
    await store.grants.upsert(granted);
    await store.grants.markRevoked('req_1', 'aws-prod', '2026-01-01T01:01:00.000Z');
    await store.grants.markRevoked('req_1', 'aws-prod', '2026-01-01T02:00:00.000Z');
    assert.equal((await store.grants.get('req_1', 'aws-prod'))?.revoked_at, '2026-01-01T01:01:00.000Z');
  });

  test('revoking an unknown grant throws grant_not_found', async (t) => {
    const { store } = await open(t);
    await assert.rejects(store.grants.markRevoked('nope', 'aws-prod', '2026-01-01T00:00:00.000Z'), (err) => err instanceof RecordNotFound && err.code === 'grant_not_found');
  });

  test('listActive returns grants not revoked, oldest first', async (t) => {
    const { store } = await open(t);
    for (const id of ['r1', 'r2', 'r3']) await store.requests.insert(requestRecord({ id }));
    await store.grants.upsert({ ...granted, request_id: 'r2', granted_at: '2026-01-01T00:02:00.000Z' });
    await store.grants.upsert({ ...granted, request_id: 'r1', granted_at: '2026-01-01T00:01:00.000Z' });
    await store.grants.upsert({ ...granted, request_id: 'r3', granted_at: '2026-01-01T00:03:00.000Z' });
    await store.grants.upsert({ ...granted, request_id: 'r1', provider: 'gcp', granted_at: '2026-01-01T00:01:00.000Z' });
    await store.grants.markRevoked('r2', 'aws-prod', '2026-01-01T00:05:00.000Z');
    assert.deepEqual(
      (await store.grants.listActive()).map((g) => `${g.request_id}/${g.provider}`),
      ['r1/aws-prod', 'r1/gcp', 'r3/aws-prod'],
    );
  });

  test('a grant for a request that does not exist is refused', async (t) => {
    const { store } = await open(t);
    await assert.rejects(store.grants.upsert(granted), (err) => err instanceof StoreIntegrityError && err.code === 'store_integrity');
  });
});
