import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, PolicyDenied, silentLogger } from '../../core/index.js';
import type { ResolvedRole } from '../../config/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import { PagerdutyOnCall, pagerdutyConfigSchema } from '../../providers/pagerduty/index.js';
import { startPagerdutyFake, type PagerdutyFake } from '../../providers/pagerduty/contract-server.fake.js';
import { openTempStore, requestRecord } from '../../store/temp-store.fake.js';
import type { DecisionRecord, RequestRecord } from '../../store/index.js';
import { checkApprovalsMet } from './approvers.js';
import { approveIfOnCall, ON_CALL_CHANNEL } from './on-call-approval.js';

const TOKEN = 'pagerduty-token-for-tests';
const NOW = Date.parse('2030-05-01T12:00:00Z');
const role = {
  id: 'admin',
  approvals: {
    stages: [{ name: 'stage 1', approvers: [{ provider: 'local', group: 'sre' }], required: 2 }],
    approvers: [{ provider: 'local', group: 'sre' }],
    required: 2,
    timeoutMs: undefined,
    autoApproveOnCall: { provider: 'pd', schedule: 'PSCHED1' },
  },
} as unknown as ResolvedRole;
const verified = (overrides: Partial<RequestRecord> = {}) => requestRecord({ identity: { id: 'alice', email: 'Alice@example.com', email_verified: true, groups: [], provider: 'local', provider_type: 'local' }, ...overrides });

async function setup(t: TestContext, options: { onCall?: string[]; token?: string } = {}) {
  const clock = new ManualClock(NOW);
  const { store } = await openTempStore(t, { clock });
  const fake: PagerdutyFake = await startPagerdutyFake(TOKEN);
  t.after(() => fake.close());
  fake.setShifts('PSCHED1', (options.onCall ?? ['alice@example.com']).map((email) => ({ email, start: '2030-05-01T08:00:00Z', end: '2030-05-01T16:00:00Z' })));
  const pd: ProviderInstance = {
    id: 'pd', type: 'pagerduty', name: 'PagerDuty', enabled: true, capabilities: ['on-call'],
    onCall: new PagerdutyOnCall('pd', pagerdutyConfigSchema.parse({ token: options.token ?? TOKEN, api_url: fake.url, max_attempts: 1 })),
  };
  const deps = { store, clock, logger: silentLogger, providers: new Map([['pd', pd]]) };
  return { store, fake, deps };
}

describe('on-call auto-approval', () => {
  it('approves a requester on call as lease:on-call:<provider>, on the on-call channel, audited with the schedule and who was on call', async (t) => {
    const { store, deps } = await setup(t, { onCall: ['alice@example.com', 'bob@example.com'] });
    const request = verified();
    await store.requests.insert(request);
    const event = await approveIfOnCall(deps, request, role);
    assert.equal(event?.approver, 'lease:on-call:pd');
    assert.equal(event?.channel, ON_CALL_CHANNEL);
    const [decision] = await store.decisions.list(request.id);
    assert.equal(decision?.approver, 'lease:on-call:pd');
    assert.equal(decision?.channel, 'on-call');
    const approved = (await store.audit.list({ subject: request.id })).find((e) => e.action === 'request.approved');
    assert.equal(approved?.actor, 'lease:on-call:pd');
    assert.deepEqual(approved?.data, { reason: 'alice@example.com is on call on schedule PSCHED1 (pd)', channel: 'on-call', on_call_provider: 'pd', schedule: 'PSCHED1', on_call: ['alice@example.com', 'bob@example.com'] });
  });

  it('decides nothing when the requester is not on call (audited with who was)', async (t) => {
    const { store, deps } = await setup(t, { onCall: ['bob@example.com'] });
    assert.equal(await approveIfOnCall(deps, verified(), role), undefined);
    assert.deepEqual(await store.decisions.list('req_1'), []);
    const checked = (await store.audit.list({ subject: 'req_1' })).find((e) => e.action === 'request.on_call_checked');
    assert.deepEqual(checked?.data, { on_call_provider: 'pd', schedule: 'PSCHED1', on_call: ['bob@example.com'], matched: false });
  });

  it('never matches an e-mail its identity provider does not vouch for', async (t) => {
    const { store, deps, fake } = await setup(t);
    const unverified = requestRecord({ identity: { id: 'alice', email: 'alice@example.com', groups: [], provider: 'local', provider_type: 'local' } });
    assert.equal(await approveIfOnCall(deps, unverified, role), undefined);
    assert.deepEqual(await store.decisions.list('req_1'), []);
    assert.equal(fake.requests.length, 0);
  });

  it('falls back to the approvers and audits the failure when the service refuses or is down', async (t) => {
    const { store, deps, fake } = await setup(t, { token: 'wrong-token' });
    assert.equal(await approveIfOnCall(deps, verified(), role), undefined);
    await fake.close();
    assert.equal(await approveIfOnCall(deps, verified({ id: 'req_2' }), role), undefined);
    assert.deepEqual(await store.decisions.list('req_1'), []);
    const failures = (await store.audit.list({})).filter((e) => e.action === 'request.on_call_check_failed');
    assert.equal(failures.length, 2);
    assert.match(String((failures[0]!.data as { message: string }).message), /answered 401/);
    assert.match(String((failures[1]!.data as { message: string }).message), /not reachable/);
    assert.ok(!JSON.stringify(failures).includes('wrong-token'));
  });

  it('satisfies the role\'s approval rule, whatever `required` says; an explicit denial still refuses', () => {
    const onCall: DecisionRecord = { request_id: 'req_1', approver: 'lease:on-call:pd', identity: { id: 'on-call:pd', provider: 'lease', provider_type: 'lease', groups: [] }, approved: true, reason: null, channel: 'on-call', decided_at: '2030-05-01T12:00:00.000Z' };
    const access = { isAdmin: () => false };
    assert.doesNotThrow(() => checkApprovalsMet(verified(), role, [onCall], access));
    const denial: DecisionRecord = { ...onCall, approver: 'local:bob', identity: { id: 'bob', provider: 'local', provider_type: 'local', groups: ['sre'] }, approved: false, channel: 'api' };
    assert.throws(() => checkApprovalsMet(verified(), role, [onCall, denial], access), PolicyDenied);
    // The same decision under a role without the rule (or on another channel) counts for nothing.
    const plain = { ...role, approvals: { ...role.approvals!, autoApproveOnCall: undefined } } as unknown as ResolvedRole;
    assert.throws(() => checkApprovalsMet(verified(), plain, [onCall], access), PolicyDenied);
    assert.throws(() => checkApprovalsMet(verified(), role, [{ ...onCall, channel: 'api' }], access), PolicyDenied);
  });
});
