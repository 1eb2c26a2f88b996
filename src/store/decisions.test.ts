import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordExists } from './errors.js';
import { storeBackends } from './backends.fake.js';
import { requestRecord } from './temp-store.fake.js';
import type { DecisionRecord } from './types.js';

const bob = { id: 'bob', email: 'bob@example.com', email_verified: true, groups: ['ops'], provider: 'local', provider_type: 'local' };
const approval: DecisionRecord = {
  request_id: 'req_1',
  approver: 'local:bob',
  identity: bob,
  approved: true,
  reason: 'looks fine',
  channel: 'api',
  decided_at: '2026-01-01T00:02:00.000Z',
};

storeBackends((open) => {
  test('records decisions and lists them oldest first', async (t) => {
    const { store } = await open(t);
    await store.requests.insert(requestRecord());
    await store.decisions.insert({ ...approval, approver: 'corp:bob', identity: { ...bob, provider: 'corp' }, decided_at: '2026-01-01T00:03:00.000Z', approved: false, reason: null });
    await store.decisions.insert(approval);
    const listed = await store.decisions.list('req_1');
    assert.deepEqual(listed.map((d) => [d.approver, d.approved]), [['local:bob', true], ['corp:bob', false]]);
    assert.deepEqual(listed[0], approval);
    assert.deepEqual(await store.decisions.list('other'), []);
  });

  test('an approver decides a request once', async (t) => {
    const { store } = await open(t);
    await store.requests.insert(requestRecord());
    await store.decisions.insert(approval);
    await assert.rejects(store.decisions.insert({ ...approval, approved: false }), (err) => err instanceof RecordExists && err.code === 'decision_exists');
    assert.equal((await store.decisions.list('req_1')).length, 1);
  });
});
