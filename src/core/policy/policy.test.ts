import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyDenied } from '../errors.js';
import type { Identity } from '../identity.js';
import { evaluatePolicy } from './evaluate.js';
import type { PolicyInput, PolicyRole } from './types.js';

const alice: Identity = { id: 'alice', email: 'alice@example.com', groups: ['eng'], provider: 'corp', provider_type: 'oidc' };
const role: PolicyRole = {
  id: 'debug',
  enabled: true,
  requesters: [{ provider: 'corp', group: 'eng' }],
  providers: ['box'],
  authenticators: [],
  maxDurationMs: 3_600_000,
};
const allowed: PolicyInput = {
  identity: alice,
  roleId: 'debug',
  providerId: 'box',
  durationMs: 600_000,
  reason: 'INC-1',
  role,
  provider: { id: 'box', enabled: true },
};

function deniedWith(input: PolicyInput): string {
  try {
    evaluatePolicy(input);
  } catch (err) {
    assert.ok(err instanceof PolicyDenied);
    return err.code;
  }
  return 'allowed';
}

describe('policy', () => {
  it('allows a request that meets every rule', () => {
    assert.equal(deniedWith(allowed), 'allowed');
  });

  it('refuses each rule with its own code', () => {
    assert.equal(deniedWith({ ...allowed, role: undefined, roleId: 'nope' }), 'role_not_found');
    assert.equal(deniedWith({ ...allowed, role: { ...role, enabled: false } }), 'role_disabled');
    assert.equal(deniedWith({ ...allowed, role: { ...role, authenticators: ['local'] } }), 'authenticator_not_allowed');
    assert.equal(deniedWith({ ...allowed, identity: { ...alice, groups: ['sales'] } }), 'not_in_scope');
    assert.equal(deniedWith({ ...allowed, providerId: 'other' }), 'provider_not_allowed');
    assert.equal(deniedWith({ ...allowed, provider: undefined }), 'provider_not_found');
    assert.equal(deniedWith({ ...allowed, provider: { id: 'box', enabled: false } }), 'provider_disabled');
    assert.equal(deniedWith({ ...allowed, provider: { id: 'box', enabled: true, type: 'aws', implemented: false } }), 'provider_not_implemented');
    assert.equal(deniedWith({ ...allowed, durationMs: 3_600_001 }), 'duration_exceeds_max');
    assert.equal(deniedWith({ ...allowed, reason: '  ' }), 'reason_required');
  });

  it('checks scope before the provider and the duration', () => {
    assert.equal(deniedWith({ ...allowed, identity: { ...alice, groups: [] }, providerId: 'other', durationMs: 9e9 }), 'not_in_scope');
  });

  it('reports a missing role as 404 and other refusals as 403', () => {
    assert.throws(() => evaluatePolicy({ ...allowed, role: undefined }), (e: unknown) => e instanceof PolicyDenied && e.status === 404);
    assert.throws(() => evaluatePolicy({ ...allowed, reason: '' }), (e: unknown) => e instanceof PolicyDenied && e.status === 403 && e.field === 'reason');
  });
});
