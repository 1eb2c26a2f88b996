import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command, WorkflowState } from '../interpreter/types.js';
import { accessCallInFlight } from './in-flight.js';

const call = (name: string): Command => ({ kind: 'call', id: `c-${name}`, task: '/do/0/x', name, args: {} });
const timer: Command = { kind: 'timer', id: 'lease-expiry', task: '/lease/expiry', at: 1 };
const state = (pending: Command[]): WorkflowState => ({ version: 1, status: 'waiting', pending });

test('a pending lease.authorize or lease.revoke is a call in flight, in either runtime\'s checkpoint', () => {
  for (const name of ['lease.authorize', 'lease.revoke']) {
    assert.equal(accessCallInFlight({ document: {}, state: state([timer, call(name)]) }), true, `embedded ${name}`);
    assert.equal(accessCallInFlight({ engine: 'temporal', document: {}, input: {}, state: state([call(name)]), step: 3 }), true, `temporal ${name}`);
  }
});

test('timers, other calls, a Temporal workflow with no step recorded and no checkpoint are not', () => {
  assert.equal(accessCallInFlight({ document: {}, state: state([timer, call('lease.notify'), call('lease.validate')]) }), false);
  assert.equal(accessCallInFlight({ engine: 'temporal', document: {}, input: {}, state: null, step: 0 }), false);
  assert.equal(accessCallInFlight(undefined), false);
});
