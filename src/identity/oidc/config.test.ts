import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultRegistry } from '../../server/provider-types.js';
import { identityFromClaims } from './claims.js';
import { oidcConfigSchema } from './config.js';

const base = { client_id: 'lease', client_secret: 's3cret' };

describe('oidc config', () => {
  test('defaults scopes to openid email profile and the groups claim to groups', () => {
    const config = oidcConfigSchema.parse({ ...base, issuer: 'https://idp.example.com' });
    assert.deepEqual(config.scopes, ['openid', 'email', 'profile']);
    assert.equal(config.groups_claim, 'groups');
  });

  test('accepts https issuers, and plain http only on loopback addresses', () => {
    for (const issuer of ['https://idp.example.com', 'https://idp.example.com/realms/corp', 'http://127.0.0.1:8080', 'http://[::1]:9000', 'http://localhost:3000']) {
      assert.equal(oidcConfigSchema.safeParse({ ...base, issuer }).success, true, issuer);
    }
  });

  test('refuses an http issuer that is not on loopback, saying why', () => {
    for (const issuer of ['http://idp.example.com', 'http://10.0.0.5:8080', 'http://127.0.0.1.evil.example']) {
      const result = oidcConfigSchema.safeParse({ ...base, issuer });
      assert.equal(result.success, false, issuer);
      assert.match(result.error?.issues[0]?.message ?? '', /must be an https URL/);
      assert.deepEqual(result.error?.issues[0]?.path, ['issuer']);
    }
  });

  test('refuses scopes without openid, unknown keys and a missing client id', () => {
    assert.equal(oidcConfigSchema.safeParse({ ...base, issuer: 'https://idp.example.com', scopes: ['email'] }).success, false);
    assert.equal(oidcConfigSchema.safeParse({ ...base, issuer: 'https://idp.example.com', client_secrets: 'x' }).success, false);
    assert.equal(oidcConfigSchema.safeParse({ issuer: 'https://idp.example.com' }).success, false);
  });

  test('is registered as type oidc; Thand\'s oauth2 is its own type (plain OAuth 2.0)', async () => {
    const factories = await defaultRegistry().factories(['oidc', 'oauth2']);
    assert.equal(factories.get('oidc')?.type, 'oidc');
    assert.equal(factories.get('oauth2')?.type, 'oauth2');
    const instance = (await defaultRegistry().create([{ id: 'corp', name: 'Corp SSO', provider: 'oidc', enabled: true, config: { ...base, issuer: 'https://idp.example.com' }, configDir: '.' }], { dataDir: '.lease' })).get('corp');
    assert.deepEqual(instance?.capabilities, ['identity']);
    assert.equal(instance?.identity?.kind, 'redirect');
  });
});

describe('identityFromClaims', () => {
  const options = { providerId: 'corp', groupsClaim: 'groups' };

  test('maps sub, email, name and groups', () => {
    assert.deepEqual(identityFromClaims({ sub: 'u1', email: 'a@x', email_verified: true, name: 'A', groups: ['eng', 'eng', 3, 'ops'] }, options), {
      id: 'u1', email: 'a@x', email_verified: true, name: 'A', groups: ['eng', 'ops'], provider: 'corp', provider_type: 'oidc',
    });
  });

  test('an address is verified when the IdP says so, or says nothing and the provider is trusted', () => {
    assert.equal(identityFromClaims({ sub: 'u1', email: 'a@x' }, options)?.email_verified, false);
    assert.equal(identityFromClaims({ sub: 'u1', email: 'a@x' }, { ...options, trustEmail: true })?.email_verified, true);
    assert.equal(identityFromClaims({ sub: 'u1', email: 'a@x', email_verified: 'true' }, options)?.email_verified, false);
    assert.equal(identityFromClaims({ sub: 'u1', email: 'a@x', email_verified: false }, { ...options, trustEmail: true })?.email, undefined);
  });

  test('reads a single-string groups claim and a nested claim path', () => {
    assert.deepEqual(identityFromClaims({ sub: 'u1', groups: 'eng' }, options)?.groups, ['eng']);
    assert.deepEqual(identityFromClaims({ sub: 'u1', realm_access: { roles: ['admin'] } }, { ...options, groupsClaim: 'realm_access.roles' })?.groups, ['admin']);
  });

  test('has no groups when the claim is missing', () => {
    assert.deepEqual(identityFromClaims({ sub: 'u1' }, options), { id: 'u1', groups: [], provider: 'corp', provider_type: 'oidc' });
  });

  test('drops an email marked unverified, and refuses claims without a subject', () => {
    assert.equal(identityFromClaims({ sub: 'u1', email: 'ceo@x', email_verified: false }, options)?.email, undefined);
    assert.equal(identityFromClaims({ email: 'a@x' }, options), undefined);
  });
});
