import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Identity } from './identity.js';
import { identityKey, identityMatches, sameIdentity } from './principals.js';

const erin: Identity = { id: 'erin', email: 'erin@example.com', email_verified: true, groups: ['ops'], provider: 'corp', provider_type: 'oidc' };

describe('principals', () => {
  it('matches a user on the pair (identity provider, subject) only', () => {
    assert.ok(identityMatches(erin, [{ provider: 'corp', user: 'erin' }]));
    assert.ok(!identityMatches(erin, [{ provider: 'partner', user: 'erin' }]), 'the same name at another identity provider is another person');
    assert.ok(!identityMatches(erin, [{ provider: 'corp', user: 'Erin' }]), 'subjects are compared exactly');
  });

  it('matches a group only on its identity provider', () => {
    assert.ok(identityMatches(erin, [{ provider: 'corp', group: 'ops' }]));
    assert.ok(!identityMatches(erin, [{ provider: 'partner', group: 'ops' }]));
  });

  it('matches an e-mail only when the identity provider verified it', () => {
    assert.ok(identityMatches(erin, [{ provider: 'corp', email: 'ERIN@example.com' }]));
    assert.ok(!identityMatches({ ...erin, email_verified: false }, [{ provider: 'corp', email: 'erin@example.com' }]));
    assert.ok(!identityMatches({ ...erin, email_verified: undefined }, [{ provider: 'corp', email: 'erin@example.com' }]));
    assert.ok(!identityMatches(erin, [{ provider: 'partner', email: 'erin@example.com' }]));
    assert.ok(!identityMatches(erin, [{ provider: 'corp', user: 'erin@example.com' }]), 'an e-mail is not the subject');
  });

  it('keys and compares identities by identity provider and subject', () => {
    assert.equal(identityKey(erin), 'corp:erin');
    assert.ok(sameIdentity(erin, { provider: 'corp', id: 'erin' }));
    assert.ok(!sameIdentity(erin, { provider: 'partner', id: 'erin' }));
  });
});
