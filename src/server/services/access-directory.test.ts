import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LeaseError } from '../../core/index.js';
import type { LoadedConfig } from '../../config/index.js';
import { requestedProvider } from './access-directory.js';

// Only the roles' provider lists matter here.
const config = {
  roles: new Map([
    ['one', { providers: ['box'] }],
    ['two', { providers: ['box', 'db'] }],
    ['none', { providers: [] }],
  ]),
} as unknown as LoadedConfig;

describe('requestedProvider', () => {
  it('is the provider the request names, even when the role has one', () => {
    assert.equal(requestedProvider(config, 'one', 'other'), 'other');
  });

  it('is the role\'s only provider when the request names none', () => {
    assert.equal(requestedProvider(config, 'one', undefined), 'box');
  });

  it('refuses to choose among several (400 provider_required naming them), or when the role lists none', () => {
    assert.throws(
      () => requestedProvider(config, 'two', undefined),
      (e: unknown) => e instanceof LeaseError && e.code === 'provider_required' && e.status === 400 && e.field === 'provider' && /box, db/.test(e.message),
    );
    assert.throws(() => requestedProvider(config, 'none', undefined), (e: unknown) => e instanceof LeaseError && e.code === 'provider_required');
  });

  it('leaves a missing role to the policy (role_not_found comes first)', () => {
    assert.equal(requestedProvider(config, 'nope', undefined), '');
  });
});
