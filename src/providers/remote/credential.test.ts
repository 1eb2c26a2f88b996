import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { credentialSha256, HostCredentials, newHostCredential } from './credential.js';
import { HostCredentialConflict, HostUnauthorized } from './errors.js';

describe('host credentials', () => {
  const credential = newHostCredential();
  const credentials = new HostCredentials();
  credentials.add('laptop-42', credentialSha256(credential), 'laptop-sudo');

  test('accepts the host credential as a bearer token', () => {
    credentials.verify('laptop-42', `Bearer ${credential}`);
  });

  test('refuses a wrong, missing or other host credential alike', () => {
    for (const [host, header] of [
      ['laptop-42', `Bearer ${newHostCredential()}`],
      ['laptop-42', undefined],
      ['laptop-42', 'Bearer '],
      ['laptop-42', credential],
      ['other-host', `Bearer ${credential}`],
    ] as const) {
      assert.throws(() => credentials.verify(host, header), (err: unknown) => err instanceof HostUnauthorized && err.status === 401 && !err.message.includes(credential));
    }
  });

  test('new credentials are 256-bit random and differ', () => {
    const a = newHostCredential();
    assert.match(a, /^lhc_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, newHostCredential());
    assert.match(credentialSha256(a), /^[0-9a-f]{64}$/);
  });

  test('one host bound twice must carry the same hash', () => {
    const c = new HostCredentials();
    c.add('h', credentialSha256('a'), 'p1');
    c.add('h', credentialSha256('a'), 'p2');
    assert.throws(() => c.add('h', credentialSha256('b'), 'p3'), HostCredentialConflict);
  });
});
