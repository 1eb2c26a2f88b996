import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultRegistry } from '../../server/provider-types.js';
import { GOOGLE_ENDPOINTS, GOOGLE_ISSUER, conventionalUserinfo, googleOAuth2ConfigSchema, oauth2ConfigSchema, resolveEndpoint } from './config.js';

function issues(result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }): Array<{ path: string; message: string }> {
  return (result.error?.issues ?? []).map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('oauth2 config', () => {
  test("loads Thand's example shape: authority, relative endpoints, grant, client {id, secret}", () => {
    const config = oauth2ConfigSchema.parse({
      authority: 'https://accounts.google.com/o/oauth2',
      endpoints: { token: '/token', auth: '/auth' },
      grant: 'authorization_code',
      client: { id: 'google_client_id', secret: 'google_client_secret' },
    });
    assert.deepEqual(config.endpoints, {
      auth: 'https://accounts.google.com/o/oauth2/auth',
      token: 'https://accounts.google.com/o/oauth2/token',
      userinfo: 'https://accounts.google.com/o/oauth2/userinfo',
    });
    assert.deepEqual(config.client, { id: 'google_client_id', secret: 'google_client_secret', authentication: 'client_secret_basic' });
    assert.deepEqual(config.scopes, ['openid', 'email', 'profile']);
    assert.deepEqual(config.warnings, []);
  });

  test("loads Thand's flat shape: client_id, client_secret, auth_url, token_url, scopes", () => {
    const config = oauth2ConfigSchema.parse({
      client_id: 'thand-oidc',
      client_secret: 'thand-oidc-secret',
      auth_url: 'https://sso.example.com/realms/corp/protocol/openid-connect/auth',
      token_url: 'https://sso.example.com/realms/corp/protocol/openid-connect/token',
      scopes: ['openid', 'profile', 'email'],
    });
    assert.equal(config.endpoints.userinfo, 'https://sso.example.com/realms/corp/protocol/openid-connect/userinfo');
    assert.equal(config.client?.id, 'thand-oidc');
  });

  test('leaves endpoints to discovery when only authority is given, and keeps explicit ones', () => {
    const config = oauth2ConfigSchema.parse({ client_id: 'lease', authority: 'https://auth.example.com', userinfo_url: 'https://auth.internal.example.com/oauth2/userinfo' });
    assert.equal(config.authority, 'https://auth.example.com');
    assert.deepEqual(config.endpoints, { userinfo: 'https://auth.internal.example.com/oauth2/userinfo' });
  });

  test('warns about what Lease ignores: a grant that names no person, username_claim, redirect_url', () => {
    const config = oauth2ConfigSchema.parse({
      authority: 'https://accounts.google.com/o/oauth2',
      endpoints: { token: '/token', auth: '/auth' },
      grant: 'client_credentials',
      client: { id: 'id', secret: 'secret' },
      username_claim: 'preferred_username',
      redirect_url: 'https://thand.example.com/api/v1/auth/callback/oauth',
    });
    assert.deepEqual(
      config.warnings.map((w) => w.path.join('.')),
      ['grant', 'username_claim', 'redirect_url'],
    );
    assert.match(config.warnings[0]?.message ?? '', /client_credentials cannot identify a person/);
  });

  test('accepts https endpoints, and plain http only on loopback addresses', () => {
    assert.equal(oauth2ConfigSchema.safeParse({ client_id: 'x', authority: 'http://127.0.0.1:8080', endpoints: { auth: '/auth', token: '/token' } }).success, true);
    const result = oauth2ConfigSchema.safeParse({ client_id: 'x', auth_url: 'http://idp.example.com/auth', token_url: 'https://idp.example.com/token' });
    assert.deepEqual(issues(result), [{ path: 'auth_url', message: 'an endpoint must be an https URL (plain http only on a loopback address such as 127.0.0.1)' }]);
    const authority = oauth2ConfigSchema.safeParse({ client_id: 'x', authority: 'http://idp.example.com' });
    assert.deepEqual(issues(authority), [{ path: 'authority', message: 'authority must be an https URL (plain http only on a loopback address such as 127.0.0.1)' }]);
  });

  test('names each problem with its path', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ auth_url: 'https://a.example/auth', token_url: 'https://a.example/token' }, 'client_id', /required: the OAuth client id/],
      [{ client: { id: 'a' }, client_id: 'b', authority: 'https://a.example' }, 'client', /give the client once/],
      [{ client_id: 'a', endpoints: { auth: '/auth', token: '/token' } }, 'endpoints.auth', /relative endpoint needs authority/],
      [{ client_id: 'a', token_url: 'https://a.example/token' }, 'endpoints.auth', /required without authority/],
      [{ client_id: 'a', authority: 'https://a.example', endpoints: { token: '/t' }, token_url: 'https://a.example/t' }, 'token_url', /give the token endpoint once/],
      [{ client_id: 'a', auth_url: 'https://a.example/authorize', token_url: 'https://a.example/oauth/access' }, 'endpoints.userinfo', /required: the userinfo endpoint/],
      [{ client_id: 'a', issuer: 'https://a.example' }, 'issuer', /use provider: oidc/],
      [{ client_id: 'a', authority: 'https://a.example', grant: 'implicit' }, 'grant', /expected one of authorization_code, client_credentials/],
    ];
    for (const [input, path, message] of cases) {
      const found = issues(oauth2ConfigSchema.safeParse(input));
      assert.ok(
        found.some((i) => i.path === path && message.test(i.message)),
        `${JSON.stringify(input)}: ${JSON.stringify(found)}`,
      );
    }
  });

  test('refuses unknown keys', () => {
    const result = oauth2ConfigSchema.safeParse({ client_id: 'a', authority: 'https://a.example', client_secrets: 'x' });
    assert.equal(result.success, false);
  });

  test('is registered as type oauth2 with the identity capability', async () => {
    const instance = (
      await defaultRegistry().create([{ id: 'oauth', name: 'OAuth', provider: 'oauth2', enabled: true, config: { client_id: 'a', authority: 'https://a.example' }, configDir: '.' }], { dataDir: '.lease' })
    ).get('oauth');
    assert.deepEqual(instance?.capabilities, ['identity']);
    assert.equal(instance?.identity?.kind, 'redirect');
    assert.equal(instance?.identity?.type, 'oauth2');
  });
});

describe('oauth2.google config', () => {
  test("loads Thand's file as shipped (no credentials), with Google's endpoints and scopes, and warns", () => {
    const config = googleOAuth2ConfigSchema.parse({ scopes: ['email', 'profile'] });
    assert.deepEqual(config.endpoints, { ...GOOGLE_ENDPOINTS });
    assert.equal(config.issuer, GOOGLE_ISSUER);
    assert.equal(config.client, undefined);
    assert.deepEqual(config.warnings.map((w) => w.path.join('.')), ['client_id']);
  });

  test('defaults the scopes to email profile', () => {
    const config = googleOAuth2ConfigSchema.parse({ client_id: 'id.apps.googleusercontent.com', client_secret: 's' });
    assert.deepEqual(config.scopes, ['email', 'profile']);
    assert.deepEqual(config.warnings, []);
  });

  test('takes endpoint overrides (no issuer check then), https or loopback only', () => {
    const config = googleOAuth2ConfigSchema.parse({ client_id: 'a', client_secret: 'b', endpoints: { auth: 'http://127.0.0.1:9000/auth', token: 'http://127.0.0.1:9000/token' } });
    assert.equal(config.endpoints.auth, 'http://127.0.0.1:9000/auth');
    assert.equal(config.endpoints.userinfo, GOOGLE_ENDPOINTS.userinfo);
    assert.equal(config.issuer, undefined);
    assert.equal(googleOAuth2ConfigSchema.safeParse({ client_id: 'a', client_secret: 'b', endpoints: { token: 'http://google.example/token' } }).success, false);
  });

  test('needs both client_id and client_secret, or neither', () => {
    assert.deepEqual(issues(googleOAuth2ConfigSchema.safeParse({ client_id: 'a' })), [{ path: 'client_secret', message: 'Google needs both client_id and client_secret' }]);
  });
});

describe('endpoint helpers', () => {
  test('appends a relative endpoint to the authority path', () => {
    assert.equal(resolveEndpoint('/token', 'https://a.example/o/oauth2'), 'https://a.example/o/oauth2/token');
    assert.equal(resolveEndpoint('oauth2/token', 'https://a.example/'), 'https://a.example/oauth2/token');
    assert.equal(resolveEndpoint('https://b.example/t', 'https://a.example'), 'https://b.example/t');
    assert.equal(resolveEndpoint('/token', undefined), undefined);
  });

  test("derives userinfo from a token endpoint ending in /token (Thand's convention)", () => {
    assert.equal(conventionalUserinfo('https://a.example/protocol/openid-connect/token'), 'https://a.example/protocol/openid-connect/userinfo');
    assert.equal(conventionalUserinfo('https://a.example/oauth/access_token'), undefined);
  });
});
