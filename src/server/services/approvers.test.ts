import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyDenied, type Identity } from '../../core/index.js';
import type { ResolvedRole } from '../../config/index.js';
import type { DecisionRecord, RequestRecord } from '../../store/index.js';
import type { AccessControl } from './access-control.js';
import { approvalProgress, checkApprovalsMet, isApprover, isStageApprover, needsApproval } from './approvers.js';

const person = (provider: string, id: string, groups: string[] = []): Identity => ({ id, groups, provider, provider_type: 'local' });
const alice = person('local', 'alice');
const request = { id: 'req_1', identity: alice, role: 'deploy', break_glass: false, extended_from: null } as RequestRecord;
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

describe('approval stages', () => {
  const lead = person('local', 'lena', ['leads']);
  const sec = person('local', 'sam', ['security']);
  const sec2 = person('local', 'sue', ['security']);
  const staged = {
    id: 'deploy',
    approvals: {
      stages: [
        { name: 'team lead', approvers: [{ provider: 'local', group: 'leads' }], required: 1 },
        { name: 'security', approvers: [{ provider: 'local', group: 'security' }], required: 2 },
      ],
      approvers: [{ provider: 'local', group: 'leads' }, { provider: 'local', group: 'security' }],
      required: 3,
      timeoutMs: undefined,
    },
  } as unknown as ResolvedRole;
  const at = (d: DecisionRecord, i: number): DecisionRecord => ({ ...d, decided_at: `2026-01-01T00:00:0${i}.000Z` });

  it('counts each stage in order: an approval for a later stage made early does not count', () => {
    const early = approvalProgress(request, staged, [at(decision(sec), 1), at(decision(lead), 2)], noAdmins);
    assert.equal(early.stage, 1);
    assert.deepEqual(early.stages.map((s) => s.approvedBy), [['local:lena'], []]);
    const done = approvalProgress(request, staged, [at(decision(lead), 1), at(decision(sec), 2), at(decision(sec2), 3)], noAdmins);
    assert.equal(done.stage, null);
    assert.doesNotThrow(() => checkApprovalsMet(request, staged, [at(decision(lead), 1), at(decision(sec), 2), at(decision(sec2), 3)], noAdmins));
    assert.throws(() => checkApprovalsMet(request, staged, [at(decision(lead), 1), at(decision(sec), 2)], noAdmins), /"security" has 1 of 2/);
  });

  it('an approver counts once, for one stage; a denial at any stage ends it', () => {
    const both = person('local', 'bo', ['leads', 'security']);
    const once = approvalProgress(request, staged, [at(decision(both), 1), at(decision(both), 2), at(decision(sec), 3)], noAdmins);
    assert.equal(once.stage, 1);
    assert.deepEqual(once.stages[1]?.approvedBy, ['local:sam']);
    assert.equal(approvalProgress(request, staged, [at(decision(lead), 1), at(decision(sec, false), 2)], noAdmins).denial?.approver, 'local:sam');
  });

  it('administrators approve at whichever stage awaits; stage approvers only at theirs', () => {
    const admins: AccessControl = { isAdmin: (who: Identity) => who.id === 'root' };
    assert.ok(isStageApprover(person('local', 'root'), staged, 1, admins));
    assert.ok(!isStageApprover(sec, staged, 0, noAdmins));
    assert.ok(isStageApprover(sec, staged, 1, noAdmins));
  });

  it('break-glass requests and extensions the role lets through need no approval', () => {
    const role = { ...staged, breakGlass: true, extendWithoutApproval: true } as ResolvedRole;
    assert.equal(needsApproval({ ...request, break_glass: true, extended_from: null }, role), false);
    assert.equal(needsApproval({ ...request, break_glass: false, extended_from: 'req_0' }, role), false);
    assert.equal(needsApproval({ ...request, break_glass: true, extended_from: null }, { ...staged, breakGlass: false } as ResolvedRole), true);
  });
});
