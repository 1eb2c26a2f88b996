import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordExists, RecordNotFound } from './errors.js';
import { storeBackends } from './backends.fake.js';
import { requestRecord } from './temp-store.fake.js';

storeBackends((open) => {
  test('inserts a request and reads it back field for field', async (t) => {
    const { store } = await open(t);
    const record = requestRecord({ workflow: 'two-approvers', outcome: { code: 'x', message: 'y' } });
    await store.requests.insert(record);
    assert.deepEqual(await store.requests.get('req_1'), record);
  });

  test('get returns undefined for an unknown id', async (t) => {
    const { store } = await open(t);
    assert.equal(await store.requests.get('nope'), undefined);
  });

  test('inserting the same id twice is refused with request_exists', async (t) => {
    const { store } = await open(t);
    await store.requests.insert(requestRecord());
    await assert.rejects(store.requests.insert(requestRecord()), (err) => {
      assert.ok(err instanceof RecordExists);
      assert.equal(err.code, 'request_exists');
      assert.equal(err.status, 409);
      return true;
    });
  });

  test('update applies only the patched fields and returns the new record', async (t) => {
    const { store, clock } = await open(t);
    await store.requests.insert(requestRecord());
    clock.set(Date.parse('2026-01-01T00:05:00Z'));
    const updated = await store.requests.update('req_1', {
      status: 'active',
      granted_at: '2026-01-01T00:05:00.000Z',
      expires_at: '2026-01-01T01:05:00.000Z',
    });
    assert.deepEqual(updated, {
      ...requestRecord(),
      status: 'active',
      granted_at: '2026-01-01T00:05:00.000Z',
      expires_at: '2026-01-01T01:05:00.000Z',
      updated_at: '2026-01-01T00:05:00.000Z',
    });
    assert.deepEqual(await store.requests.get('req_1'), updated);
  });

  test('update keeps an explicit updated_at and can set and clear the outcome', async (t) => {
    const { store } = await open(t);
    await store.requests.insert(requestRecord());
    const denied = await store.requests.update('req_1', {
      status: 'denied',
      outcome: { code: 'not_in_scope', message: 'no' },
      updated_at: '2026-02-02T00:00:00.000Z',
    });
    assert.deepEqual(denied.outcome, { code: 'not_in_scope', message: 'no' });
    assert.equal(denied.updated_at, '2026-02-02T00:00:00.000Z');
    assert.equal((await store.requests.update('req_1', { outcome: null })).outcome, null);
  });

  test('updating an unknown request throws request_not_found', async (t) => {
    const { store } = await open(t);
    await assert.rejects(store.requests.update('nope', { status: 'active' }), (err) => {
      assert.ok(err instanceof RecordNotFound);
      assert.equal(err.code, 'request_not_found');
      assert.equal(err.status, 404);
      return true;
    });
  });

  test('list returns newest first and filters by identity, status and limit', async (t) => {
    const { store } = await open(t);
    const bob = { id: 'bob', groups: [], provider: 'local', provider_type: 'local' };
    await store.requests.insert(requestRecord({ id: 'r1', created_at: '2026-01-01T00:00:01.000Z' }));
    await store.requests.insert(requestRecord({ id: 'r2', created_at: '2026-01-01T00:00:02.000Z', status: 'active' }));
    await store.requests.insert(requestRecord({ id: 'r3', created_at: '2026-01-01T00:00:03.000Z', identity: bob }));
    await store.requests.insert(requestRecord({ id: 'r4', created_at: '2026-01-01T00:00:04.000Z', status: 'denied' }));

    const ids = (records: { id: string }[]) => records.map((r) => r.id);
    assert.deepEqual(ids(await store.requests.list()), ['r4', 'r3', 'r2', 'r1']);
    assert.deepEqual(ids(await store.requests.list({ identityId: 'alice' })), ['r4', 'r2', 'r1']);
    assert.deepEqual(ids(await store.requests.list({ status: ['active', 'denied'] })), ['r4', 'r2']);
    assert.deepEqual(ids(await store.requests.list({ identityId: 'alice', status: ['pending'] })), ['r1']);
    assert.deepEqual(ids(await store.requests.list({ limit: 2 })), ['r4', 'r3']);
    assert.deepEqual(await store.requests.list({ status: [] }), []);
    assert.deepEqual((await store.requests.list({ identityId: 'bob' }))[0]?.identity, bob);
  });

  test('count counts all requests or those in the given statuses', async (t) => {
    const { store } = await open(t);
    await store.requests.insert(requestRecord({ id: 'r1' }));
    await store.requests.insert(requestRecord({ id: 'r2', status: 'active' }));
    await store.requests.insert(requestRecord({ id: 'r3', status: 'active' }));
    assert.equal(await store.requests.count(), 3);
    assert.equal(await store.requests.count({ status: ['active'] }), 2);
    assert.equal(await store.requests.count({ status: ['active', 'pending'] }), 3);
    assert.equal(await store.requests.count({ status: [] }), 0);
  });

  test('countByStatusAndRole counts the requests of each status and role, for the statuses asked only', async (t) => {
    const { store } = await open(t);
    await store.requests.insert(requestRecord({ id: 'a', role: 'admin', status: 'active' }));
    await store.requests.insert(requestRecord({ id: 'b', role: 'admin', status: 'active' }));
    await store.requests.insert(requestRecord({ id: 'c', role: 'debug', status: 'active' }));
    await store.requests.insert(requestRecord({ id: 'd', role: 'debug', status: 'pending' }));
    await store.requests.insert(requestRecord({ id: 'e', role: 'debug', status: 'revoked' }));
    const counts = await store.requests.countByStatusAndRole(['active', 'pending']);
    const key = (c: { status: string; role: string }) => `${c.status}/${c.role}`;
    assert.deepEqual(
      [...counts].sort((x, y) => key(x).localeCompare(key(y))),
      [
        { status: 'active', role: 'admin', count: 2 },
        { status: 'active', role: 'debug', count: 1 },
        { status: 'pending', role: 'debug', count: 1 },
      ],
    );
    assert.deepEqual(await store.requests.countByStatusAndRole([]), []);
  });
});
