// lease.authorize when the provider refuses a grant after making part of it: what was made is
// revoked (by request id, with empty data) before the request is marked failed; a failure of
// that cleanup is logged and the request still fails (the reconciler is the backstop).
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { LeaseError } from '../../core/index.js';
import type { GrantRecord } from '../../providers/index.js';
import { CloudAccessProvider } from './cloud-access-provider.fake.js';
import { HeldAccessProvider } from './held-access-provider.fake.js';
import { PEOPLE, openServiceStack } from './service-stack.fake.js';

async function setUp(t: TestContext) {
  const cloud = new CloudAccessProvider('cloud');
  const stack = await openServiceStack(t, { cloud, plain: new HeldAccessProvider('plain') });
  // What the request's status was when each revoke arrived.
  const statusAtRevoke: string[] = [];
  const revoke = cloud.revoke.bind(cloud);
  cloud.revoke = async (record: GrantRecord) => {
    statusAtRevoke.push((await stack.store.requests.get(record.requestId))?.status ?? 'none');
    return revoke(record);
  };
  return { ...stack, cloud, statusAtRevoke };
}

const refusal = () => new LeaseError('target_permission_denied', 'iam:PutUserPolicy is not allowed for lease-admin', { status: 403 });

describe('lease.authorize refused by the provider', () => {
  it('revokes the half-made grant by request id before the request fails', async (t) => {
    const { cloud, request, waitForStatus, store, statusAtRevoke } = await setUp(t);
    cloud.refuseGrants = refusal();
    const id = await request(PEOPLE.alice, 'cloud');
    await waitForStatus(id, 'failed');
    assert.deepEqual(cloud.revokedRecords, [{ provider: 'cloud', requestId: id, data: {} }]);
    assert.deepEqual(statusAtRevoke, ['granting'], 'revoked before the request was failed');
    assert.equal(cloud.halfMade.size, 0, 'nothing stays on the target');
    const failed = (await store.requests.get(id))!;
    assert.deepEqual(failed.outcome, { code: 'target_permission_denied', message: 'iam:PutUserPolicy is not allowed for lease-admin' });
    assert.equal(cloud.grantAttempts, 1, 'a refusal is not retried');
  });

  it('still fails the request when the cleanup fails, and logs it for the reconciler', async (t) => {
    const { cloud, request, waitForStatus, store, logs } = await setUp(t);
    cloud.refuseGrants = refusal();
    cloud.failRevokes = new Error('throttled');
    const id = await request(PEOPLE.alice, 'cloud');
    await waitForStatus(id, 'failed');
    assert.equal((await store.requests.get(id))!.outcome?.code, 'target_permission_denied');
    assert.equal(cloud.revokedRecords.length, 1);
    const line = logs.map((l) => JSON.parse(l) as { msg: string; request?: string; err?: string }).find((l) => l.msg === 'cannot undo a refused grant; left for reconciliation');
    assert.deepEqual([line?.request, line?.err], [id, 'throttled']);
  });
});
