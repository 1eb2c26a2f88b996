import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { identityFromUserinfo } from './userinfo.js';

const options = { providerId: 'google', providerType: 'oauth2.google', groupsClaim: 'groups' };

describe('identityFromUserinfo', () => {
  test("maps Google's v2 userinfo: id, email, verified_email, name", () => {
    const info = { id: '1077', email: 'alice@example.com', verified_email: true, name: 'Alice', given_name: 'Alice', picture: 'https://x', hd: 'example.com' };
    assert.deepEqual(identityFromUserinfo(info, options), { id: '1077', email: 'alice@example.com', email_verified: true, name: 'Alice', groups: [], provider: 'google', provider_type: 'oauth2.google' });
  });

  test('maps an OpenID-style userinfo: sub wins over id, email_verified, groups from the claim', () => {
    const info = { sub: 'u-1', id: 'other', email: 'a@x', email_verified: 'true', groups: ['eng', 'eng', 7], team: { roles: 'ops' } };
    assert.deepEqual(identityFromUserinfo(info, options), { id: 'u-1', email: 'a@x', email_verified: true, groups: ['eng'], provider: 'google', provider_type: 'oauth2.google' });
    assert.deepEqual(identityFromUserinfo(info, { ...options, groupsClaim: 'team.roles' })?.groups, ['ops']);
  });

  test('takes a numeric id (GitHub-style) as the subject', () => {
    assert.equal(identityFromUserinfo({ id: 583231, login: 'octocat' }, options)?.id, '583231');
  });

  test('keeps an email nobody vouched for, marked email_verified: false', () => {
    const identity = identityFromUserinfo({ id: 7, email: 'typed@in.example' }, options);
    assert.equal(identity?.email, 'typed@in.example');
    assert.equal(identity?.email_verified, false);
    assert.equal(identityFromUserinfo({ id: 7, email: 'typed@in.example' }, { ...options, trustEmail: true })?.email_verified, true, 'unless the provider has trust_email');
  });

  test('leaves out an email the IdP says is not verified', () => {
    for (const info of [{ sub: 's', email: 'a@x', email_verified: false }, { id: '1', email: 'a@x', verified_email: false }]) {
      const identity = identityFromUserinfo(info, options);
      assert.equal(identity?.email, undefined);
      assert.equal(identity?.email_verified, undefined);
    }
  });

  test('has no identity without a subject', () => {
    for (const info of [{}, { sub: '' }, { id: 1.5 }, { id: null, email: 'a@x' }]) assert.equal(identityFromUserinfo(info, options), undefined);
  });
});
