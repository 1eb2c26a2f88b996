import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toAuditEvent } from '../../audit/index.js';
import { toOcsf } from './ocsf.js';

const base = { seq: 3, ts: '2026-01-01T00:00:00.000Z', prev_hash: 'a'.repeat(64), hash: 'b'.repeat(64) };

function ocsfOf(action: string, subject: string | null, data: Record<string, unknown> = {}) {
  return toOcsf(toAuditEvent({ ...base, actor: 'local:alice', action, subject, data }), '1.2.3') as Record<string, unknown> & { metadata: Record<string, unknown>; unmapped: { lease: { hash: string } } };
}

test('logins map to OCSF Authentication (3002), failures with status Failure', () => {
  const ok = ocsfOf('login.succeeded', null, { provider: 'local' });
  assert.equal(ok.class_uid, 3002);
  assert.equal(ok.category_uid, 3);
  assert.equal(ok.activity_id, 1);
  assert.equal(ok.type_uid, 300201);
  assert.equal(ok.status_id, 1);
  assert.equal(ok.time, Date.parse(base.ts));
  assert.equal(ocsfOf('login.failed', null).status_id, 2);
  assert.equal(ocsfOf('session.revoked', null).activity_id, 2);
});

test('grants and revocations map to Account Change (3001) attach and detach policy, naming the user', () => {
  const granted = ocsfOf('lease.granted', 'req_1', { identity: 'local:alice', provider: 'box' });
  assert.equal(granted.class_uid, 3001);
  assert.equal(granted.type_uid, 300107);
  assert.deepEqual(granted.user, { name: 'local:alice', uid: 'local:alice' });
  assert.equal(ocsfOf('lease.revoked', 'req_1').type_uid, 300108);
});

test('requests map to Entity Management (3004), other actions to API Activity (6003)', () => {
  const created = ocsfOf('request.created', 'req_9');
  assert.equal(created.class_uid, 3004);
  assert.deepEqual(created.entity, { uid: 'req_9', type: 'access_request' });
  assert.equal(created.metadata.correlation_uid, 'req_9');
  const started = ocsfOf('server.started', null);
  assert.equal(started.class_uid, 6003);
  assert.equal(started.category_uid, 6);
  assert.equal(started.activity_id, 99);
  assert.equal(ocsfOf('something.new', null).class_uid, 6003);
});

test('the lease.audit.v1 event rides along, so the chain can be verified from OCSF records', () => {
  const event = ocsfOf('request.approved', 'req_1');
  assert.equal(event.unmapped.lease.hash, base.hash);
  assert.equal(event.metadata.uid, base.hash);
  assert.equal(event.metadata.sequence, 3);
  assert.deepEqual(event.metadata.product, { name: 'Lease', vendor_name: 'Lease', version: '1.2.3' });
});
