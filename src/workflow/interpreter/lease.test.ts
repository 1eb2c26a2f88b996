import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_WORKFLOW } from '../dsl/index.js';
import { createJqEngine } from '../expressions/index.js';
import { Driver, granted, T0, workflow } from './test-driver.fake.js';

const engine = await createJqEngine();
const HOUR = 3_600_000;

const grantOnly = workflow([{ authorize: { call: 'lease.authorize' } }]);

test('rule 1: a completed authorize activates the lease and arms lease-expiry at expires_at', () => {
  const d = new Driver(workflow([{ authorize: { call: 'thand.authorize', with: { revocation: 'cleanup' } } }, { work: { wait: 'PT10M' } }, { cleanup: { call: 'lease.revoke' } }]), engine);
  d.start();
  const step = d.complete('lease.authorize', granted(HOUR));
  assert.deepEqual(step.state.lease, { active: true, expires_at: T0 + HOUR, revocation: 'cleanup' });
  assert.deepEqual(step.commands, [
    { kind: 'timer', id: 'lease-expiry', task: '/lease/expiry', at: T0 + HOUR },
    { kind: 'timer', id: 't2', task: '/do/1/work', at: T0 + 600_000 },
  ]);
});

test('rule 2: at expiry with no revocation task, an implicit revoke runs and then the workflow completes', () => {
  const d = new Driver(workflow([{ authorize: { call: 'lease.authorize' } }, { watch: { call: 'lease.notify' } }]), engine);
  d.start();
  d.complete('lease.authorize', granted(HOUR));
  const expired = d.fire('lease-expiry');
  assert.deepEqual(expired.commands, [{ kind: 'call', id: 'c3', task: '/lease/revoke', name: 'lease.revoke', args: { reason: 'expired' } }]);
  assert.deepEqual(d.pendingNames(), ['lease.revoke'], 'the notify call is abandoned');
  assert.equal(expired.state.lease?.revoked_reason, 'expired');
  const done = d.complete('lease.revoke', { revoked: true });
  assert.equal(done.state.status, 'completed');
  assert.equal(done.state.lease?.active, false);
  assert.deepEqual(done.state.pending, []);
});

test('rule 2: at expiry the workflow jumps to its revocation task', () => {
  const doc = workflow([
    { authorize: { thand: 'authorize', with: { revocation: 'revoke' }, then: 'monitor' } },
    { monitor: { thand: 'monitor', then: 'revoke' } },
    { revoke: { thand: 'revoke', with: { reason: '${ "lease ended" }' }, then: 'end' } },
  ]);
  const d = new Driver(doc, engine);
  d.start();
  d.complete('lease.authorize', granted(HOUR));
  assert.deepEqual(d.pendingNames(), ['lease-expiry'], 'lease.monitor waits for alert events, not an activity');
  const expired = d.fire('lease-expiry');
  assert.deepEqual(d.pendingNames(), ['lease.revoke']);
  assert.equal(d.call('lease.revoke').task, '/do/2/revoke');
  assert.equal(expired.state.lease?.revoked_reason, 'expired');
  const done = d.complete('lease.revoke');
  assert.equal(done.state.status, 'completed');
  assert.equal(done.state.lease?.active, false);
});

test('rule 2: a revoke event during a wait abandons the wait and revokes with the event reason', () => {
  const d = new Driver(workflow([{ authorize: { call: 'lease.authorize' } }, { hold: { wait: { hours: 2 } } }]), engine);
  d.start();
  d.complete('lease.authorize', granted(HOUR));
  const step = d.event('com.lease.revoke', { reason: 'incident closed' });
  assert.deepEqual(d.pendingNames(), ['lease-expiry', 'lease.revoke']);
  assert.deepEqual(step.commands.map((c) => c.kind === 'call' && c.args), [{ reason: 'incident closed' }]);
  assert.equal(step.state.lease?.revoked_reason, 'incident closed');
  const done = d.complete('lease.revoke');
  assert.equal(done.state.status, 'completed');
  assert.deepEqual(done.state.pending, []);
});

test('rule 2: com.thand.revoke is accepted as an alias, and a second revoke event changes nothing', () => {
  const d = new Driver(grantOnly, engine);
  d.start();
  d.complete('lease.authorize', granted(HOUR));
  d.event('com.thand.revoke', { reason: 'done' });
  const before = d.state;
  const again = d.event('com.lease.revoke', { reason: 'again' });
  assert.equal(again.state, before);
  assert.deepEqual(again.commands, []);
});

test('rule 3: an explicit lease.revoke deactivates the lease and cancels lease-expiry', () => {
  const d = new Driver(workflow([{ authorize: { call: 'lease.authorize' } }, { revoke: { call: 'lease.revoke' } }, { after: { set: { ok: true } } }]), engine);
  d.start();
  d.complete('lease.authorize', granted(HOUR));
  const done = d.complete('lease.revoke');
  assert.equal(done.state.status, 'completed');
  assert.equal(done.state.lease?.active, false);
  assert.deepEqual(done.state.output, { ok: true });
  assert.deepEqual(done.state.pending, []);
});

test('rule 4: reaching the end while the lease is active waits for expiry, then revokes and completes', () => {
  const d = new Driver(grantOnly, engine);
  d.start();
  const ended = d.complete('lease.authorize', granted(HOUR));
  assert.equal(ended.state.status, 'waiting');
  assert.deepEqual(d.pendingNames(), ['lease-expiry']);
  d.fire('lease-expiry');
  assert.deepEqual(d.call('lease.revoke').args, { reason: 'expired' });
  const done = d.complete('lease.revoke');
  assert.equal(done.state.status, 'completed');
  assert.equal(done.state.lease?.active, false);
});

test('rule 4: a fault while the lease is active revokes first, then ends faulted with the original error', () => {
  const doc = workflow([{ authorize: { call: 'lease.authorize' } }, { boom: { raise: { error: { type: 'urn:boom', status: 500 } } } }]);
  const d = new Driver(doc, engine);
  d.start();
  const step = d.complete('lease.authorize', granted(HOUR));
  assert.equal(step.state.status, 'waiting');
  assert.deepEqual(d.pendingNames(), ['lease-expiry', 'lease.revoke']);
  const done = d.complete('lease.revoke');
  assert.equal(done.state.status, 'faulted');
  assert.deepEqual(done.state.error, { type: 'urn:boom', status: 500, instance: '/do/1/boom' });
  assert.equal(done.state.lease?.active, false);
  assert.deepEqual(done.state.pending, []);
});

test('rule 4: a grant without a valid expires_at is revoked at once and the workflow faults', () => {
  const d = new Driver(grantOnly, engine);
  d.start();
  d.complete('lease.authorize', { expires_at: 'soon' });
  const done = d.complete('lease.revoke');
  assert.equal(done.state.status, 'faulted');
  assert.match(done.state.error?.title ?? '', /expires_at/);
});

test('rule 5: a revoke event before any grant cancels the workflow', () => {
  const d = new Driver(workflow([{ validate: { call: 'lease.validate' } }, { authorize: { call: 'lease.authorize' } }]), engine);
  d.start();
  const step = d.event('com.lease.revoke', { reason: 'withdrawn' });
  assert.equal(step.state.status, 'cancelled');
  assert.deepEqual(step.state.pending, []);
  assert.deepEqual(step.commands, []);
});

test('rule 5: a revoke event while authorize is pending revokes as soon as the grant completes', () => {
  const d = new Driver(workflow([{ authorize: { call: 'lease.authorize' } }, { work: { wait: 'PT5M' } }]), engine);
  d.start();
  const remembered = d.event('com.lease.revoke', { reason: 'changed my mind' });
  assert.equal(remembered.state.revoke_requested, 'changed my mind');
  assert.deepEqual(d.pendingNames(), ['lease.authorize']);
  const step = d.complete('lease.authorize', granted(HOUR));
  assert.deepEqual(d.pendingNames(), ['lease-expiry', 'lease.revoke']);
  assert.deepEqual(d.call('lease.revoke').args, { reason: 'changed my mind' });
  assert.equal(step.state.revoke_requested, undefined);
  const done = d.complete('lease.revoke');
  assert.equal(done.state.status, 'completed');
});

test('an implicit revoke that fails leaves the lease active and faults the workflow', () => {
  const d = new Driver(grantOnly, engine);
  d.start();
  d.complete('lease.authorize', granted(HOUR));
  d.fire('lease-expiry');
  const done = d.fail('lease.revoke', { type: 'urn:provider-down', status: 503 });
  assert.equal(done.state.status, 'faulted');
  assert.equal(done.state.lease?.active, true);
  assert.deepEqual(done.state.error, { type: 'urn:provider-down', status: 503, instance: '/lease/revoke' });
});

test('a duplicate lease-expiry after the revoke is ignored', () => {
  const d = new Driver(grantOnly, engine);
  d.start();
  d.complete('lease.authorize', granted(HOUR));
  d.fire('lease-expiry');
  const revoking = d.state;
  assert.ok(revoking);
  const step = d.resume({ kind: 'timer.fired', id: 'lease-expiry' });
  assert.equal(step.state, revoking);
});

test('the default workflow validates, authorizes, then revokes implicitly at expiry', () => {
  const d = new Driver(DEFAULT_WORKFLOW, engine);
  const started = d.start({ role: 'admin', reason: 'INC-1', duration: 'PT1H' });
  assert.deepEqual(started.commands, [{ kind: 'call', id: 'c1', task: '/do/0/validate', name: 'lease.validate', args: { validator: 'static' } }]);
  d.complete('lease.validate', { valid: true });
  assert.equal(d.call('lease.authorize').task, '/do/1/authorize');
  d.complete('lease.authorize', granted(HOUR));
  assert.equal(d.state?.status, 'waiting');
  assert.deepEqual(d.pendingNames(), ['lease-expiry']);
  d.fire('lease-expiry');
  const done = d.complete('lease.revoke');
  assert.equal(done.state.status, 'completed');
  assert.deepEqual(done.state.lease, { active: false, expires_at: T0 + HOUR, revoked_reason: 'expired' });
});

test('rule 2: a revoke event after the workflow ended early runs the revocation task', () => {
  const doc = workflow([
    { authorize: { call: 'lease.authorize', with: { revocation: 'revoke' }, then: 'end' } },
    { revoke: { call: 'lease.revoke', with: { reason: '${ "early" }' } } },
  ]);
  const d = new Driver(doc, engine);
  d.start();
  assert.equal(d.complete('lease.authorize', granted(HOUR)).state.status, 'waiting');
  d.event('com.lease.revoke', { reason: 'user asked' });
  assert.equal(d.call('lease.revoke').task, '/do/1/revoke');
  const done = d.complete('lease.revoke');
  assert.equal(done.state.status, 'completed');
  assert.deepEqual(done.state.lease, { active: false, expires_at: T0 + HOUR, revocation: 'revoke', revoked_reason: 'user asked' });
});

test('rule 4: a revocation task that does not revoke still ends with the implicit revoke', () => {
  const doc = workflow([
    { authorize: { call: 'lease.authorize', with: { revocation: 'tell' } } },
    { hold: { wait: { hours: 2 }, then: 'end' } },
    { tell: { call: 'lease.notify', with: { message: 'ending' } } },
  ]);
  const d = new Driver(doc, engine);
  d.start();
  d.complete('lease.authorize', granted(HOUR));
  d.fire('lease-expiry');
  assert.deepEqual(d.pendingNames(), ['lease.notify']);
  d.complete('lease.notify');
  assert.deepEqual(d.call('lease.revoke').args, { reason: 'expired' });
  assert.equal(d.complete('lease.revoke').state.status, 'completed');
});
