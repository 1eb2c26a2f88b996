import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storeBackends } from './backends.fake.js';
import { requestRecord } from './temp-store.fake.js';

const request = (id: string) => requestRecord({ id });

storeBackends((open) => {
  test('a signed callback key is claimed once until it expires, across a reopened store', async (t) => {
    const { store, clock, openAgain } = await open(t);
    const now = clock.now();
    assert.equal(await store.seenCallbacks.claim('slack:v0=abc', now + 60_000), true);
    assert.equal(await store.seenCallbacks.claim('slack:v0=abc', now + 60_000), false);
    await store.close();
    const again = await openAgain();
    assert.equal(await again.seenCallbacks.claim('slack:v0=abc', now + 60_000), false, 'kept across a restart');
    assert.equal(await again.seenCallbacks.claim('slack:v0=old', now - 1), true);
    assert.equal(await again.seenCallbacks.claim('slack:v0=other', now + 60_000), true, 'expired claims are pruned, others stay');
    assert.equal(await again.seenCallbacks.claim('slack:v0=old', now + 60_000), true, 'an expired claim is gone');
  });

  test('posted messages are recorded once per request, provider, channel and ts', async (t) => {
    const { store } = await open(t);
    await store.requests.insert(request('req_1'));
    await store.notificationMessages.record({ request_id: 'req_1', provider: 'slack', channel: 'C1', message_id: '1.1' });
    await store.notificationMessages.record({ request_id: 'req_1', provider: 'slack', channel: 'C1', message_id: '1.1' });
    await store.notificationMessages.record({ request_id: 'req_1', provider: 'slack', channel: 'D1', message_id: '1.2', purpose: 'lease_notice' });
    assert.deepEqual((await store.notificationMessages.list('req_1')).map((m) => [m.message_id, m.purpose]), [['1.1', 'request'], ['1.2', 'lease_notice']]);
  });

  test('lease notices: scheduled once, listed when due, rescheduled and removed', async (t) => {
    const { store } = await open(t);
    await store.requests.insert(request('req_1'));
    await store.transaction(async (tx) => {
      await tx.leaseNotices.schedule({ request_id: 'req_1', provider: 'slack', kind: 'granted', due_at: 100 });
      await tx.leaseNotices.schedule({ request_id: 'req_1', provider: 'slack', kind: 'expiring', due_at: 500 });
      await tx.leaseNotices.schedule({ request_id: 'req_1', provider: 'slack', kind: 'granted', due_at: 999 });
    });
    assert.equal(await store.leaseNotices.nextDueAt(), 100);
    assert.deepEqual((await store.leaseNotices.listDue(200)).map((n) => [n.kind, n.due_at]), [['granted', 100]]);
    await store.leaseNotices.reschedule({ request_id: 'req_1', provider: 'slack', kind: 'granted' }, 700, 1);
    assert.deepEqual((await store.leaseNotices.listDue(1000)).map((n) => [n.kind, n.due_at, n.attempts]), [['expiring', 500, 0], ['granted', 700, 1]]);
    await store.leaseNotices.remove({ request_id: 'req_1', provider: 'slack', kind: 'expiring' });
    assert.deepEqual((await store.leaseNotices.listDue(1000)).map((n) => n.kind), ['granted']);
  });
});
