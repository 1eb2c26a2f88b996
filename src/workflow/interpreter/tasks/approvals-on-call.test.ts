import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJqEngine } from '../../expressions/index.js';
import { Driver, workflow } from '../test-driver.fake.js';

const engine = await createJqEngine();
const onCall = { approved: true, approver: 'lease:on-call:pd', channel: 'on-call', on_call: { on_call_provider: 'pd', schedule: 'S1' } };

test('Lease\'s on-call approval completes a lease.approvals wait whatever count and from say', () => {
  const d = new Driver(workflow([{ approve: { call: 'lease.approvals', with: { count: 2, from: ['local:bob', 'local:dave'] } } }, { authorize: { call: 'lease.authorize' } }]), engine);
  d.start();
  d.event('com.lease.approval', onCall);
  assert.deepEqual(d.pendingNames(), ['lease.authorize']);
});

test('an ordinary approval still counts once toward count', () => {
  const d = new Driver(workflow([{ approve: { call: 'lease.approvals', with: { count: 2 } } }, { authorize: { call: 'lease.authorize' } }]), engine);
  d.start();
  d.event('com.lease.approval', { approved: true, approver: 'local:bob', channel: 'api' });
  assert.deepEqual(d.pendingNames(), []);
});
