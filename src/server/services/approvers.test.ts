import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyDenied, type Identity } from '../../core/index.js';
import type { ResolvedRole } from '../../config/index.js';
import type { DecisionRecord, RequestRecord } from '../../store/index.js';
import type { AccessControl } from './access-control.js';
import { checkApprovalsMet, isApprover } from './approvers.js';

const person = (provider: string, id: string, groups: string[] = []): Identity => ({ id, groups, provider, provider_type: 'local' });
const alice = person('local', 'alice');
const request = { id: 'req_1', identity: alice, role: 'deploy' } as RequestRecord;
const role = {
  id: 'deploy',
  approvals: { approvers: [{ provider: 'local', group: 'ops' }], required: 2, stages: [{ name: 'stage 1', approvers: [{ provider: 'local', group: 'ops' }], required: 2 }], timeoutMs: undefined },
} as unknown as ResolvedRole;
const noAdmins: AccessControl = { isAdmin: () => false };
const decision = (who: Identity, approved = true): DecisionRecord => ({
  request_id: 'req_1',
  approver: `${who.provider}:${who.id}`,
  identity: who,
  approved,
  reason: null,
  channel: 'api',
  decided_at: '2026-01-01T00:00:00.000Z',
});
const bob = person('local', 'bob', ['ops']);
const dave = person('local', 'dave', ['ops']);

function refusal(decisions: DecisionRecord[], access: AccessControl = noAdmins): string {
  try {
    checkApprovalsMet(request, role, decisions, access);
    return 'met';
  } catch (err) {
    assert.ok(err instanceof PolicyDenied);
    return err.code;
  }
}

describe('approval rules', () => {
  it('needs the required number of distinct approvers', () => {
    assert.equal(refusal([]), 'approval_required');
    assert.equal(refusal([decision(bob)]), 'approval_required');
    assert.equal(refusal([decision(bob), decision(bob)]), 'approval_required', 'one approver counts once');
    assert.equal(refusal([decision(bob), decision(dave)]), 'met');
  });

  it('counts only approvers, never the requester, and on their own identity provider', () => {
    assert.equal(refusal([decision(bob), decision(person('local', 'carol', ['sales']))]), 'approval_required');
    assert.equal(refusal([decision(bob), decision({ ...alice, groups: ['ops'] })]), 'approval_required', 'the requester');
    assert.equal(refusal([decision(bob), decision(person('partner', 'dave', ['ops']))]), 'approval_required', 'ops at another identity provider');
  });

  it('one denial refuses the grant', () => {
    assert.equal(refusal([decision(bob), decision(dave), decision(person('local', 'erin', ['ops']), false)]), 'approval_denied');
  });

  it('administrators may approve', () => {
    const admins: AccessControl = { isAdmin: (who: Identity) => who.id === 'root' };
    assert.ok(isApprover(person('local', 'root'), role, admins));
    assert.equal(refusal([decision(bob), decision(person('local', 'root'))], admins), 'met');
  });

  it('a role without approvals needs none', () => {
    checkApprovalsMet(request, { ...role, approvals: undefined }, [], noAdmins);
    assert.ok(!isApprover(bob, { ...role, approvals: undefined }, noAdmins));
  });
});
