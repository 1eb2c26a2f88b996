// The oauth2 and oauth2.google providers against a real authorization server (oidc-provider on
// loopback), used as a plain OAuth 2.0 server: code + PKCE + state, token, userinfo. Its ID tokens
// are ignored; everything comes from userinfo.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestBrowser } from '../../../test/support/browser.js';
import { startOidcProvider, type TestOidcProvider } from '../../../test/support/oidc-provider.js';
import { IdentityProviderUnavailable, RedirectLoginFailed } from '../oidc/index.js';
import type { RedirectLoginChecks } from '../types.js';
import { googleOAuth2ConfigSchema, oauth2ConfigSchema } from './config.js';
import { OAuth2IdentityProvider } from './provider.js';

const REDIRECT = 'http://127.0.0.1:9/api/v1/auth/oauth/callback';
const SECRET = 'test-oauth2-client-secret-0123456789';
const SCOPES = ['openid', 'email', 'profile', 'groups'];

describe('oauth2 identity provider (real authorization server)', () => {
  let idp: TestOidcProvider;
  /** Thand's example shape: authority + relative endpoints + grant + client {id, secret}. */
  let provider: OAuth2IdentityProvider;

  before(async () => {
    idp = await startOidcProvider({
      accounts: [
        { sub: 'u-alice', email: 'alice@corp.example', name: 'Alice Liddell', groups: ['eng', 'oncall'] },
        { sub: 'u-mallory', email: 'ceo@corp.example', name: 'Mallory', groups: ['eng'], email_verified: false },
      ],
    });
    idp.registerClient({ client_id: 'lease', client_secret: SECRET, redirect_uris: [REDIRECT] });
    provider = oauth2(oauth2ConfigSchema.parse({ authority: idp.issuer, endpoints: { auth: '/auth', token: '/token', userinfo: '/me' }, grant: 'authorization_code', client: { id: 'lease', secret: SECRET }, scopes: SCOPES }));
  });

  after(async () => {
    await idp?.stop();
  });

  function oauth2(settings: ReturnType<typeof oauth2ConfigSchema.parse>, type: 'oauth2' | 'oauth2.google' = 'oauth2'): OAuth2IdentityProvider {
    return new OAuth2IdentityProvider('oauth', type, settings);
  }

  /** Logs in at the IdP as `sub` and returns the IdP's answer as it would reach the callback. */
  async function answerFor(p: OAuth2IdentityProvider, sub = 'u-alice'): Promise<{ answer: URLSearchParams; checks: RedirectLoginChecks }> {
    idp.nextLogin = sub;
    const { url, checks } = await p.beginLogin(REDIRECT);
    const visit = await new TestBrowser().visit(url, { stopBefore: (next) => next.href.startsWith(REDIRECT) });
    assert.ok(visit.stoppedBefore, `the IdP redirected back (last status ${visit.response.status})`);
    return { answer: visit.stoppedBefore.searchParams, checks };
  }

  test('asks for a code with PKCE S256, state and the configured scopes, and no nonce', async () => {
    const { url, checks } = await provider.beginLogin(REDIRECT);
    const q = new URL(url).searchParams;
    assert.equal(`${new URL(url).origin}${new URL(url).pathname}`, `${idp.issuer}/auth`);
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.ok(q.get('code_challenge'));
    assert.equal(q.get('state'), checks.state);
    assert.equal(q.get('nonce'), null);
    assert.equal(q.get('scope'), 'openid email profile groups');
    assert.equal(q.get('client_id'), 'lease');
  });

  test('turns a login into an identity from userinfo (the ID token the server adds is ignored)', async () => {
    const { answer, checks } = await answerFor(provider);
    assert.deepEqual(await provider.finishLogin(answer, checks), {
      id: 'u-alice',
      email: 'alice@corp.example',
      email_verified: true,
      name: 'Alice Liddell',
      groups: ['eng', 'oncall'],
      provider: 'oauth',
      provider_type: 'oauth2',
    });
  });

  test('leaves out an email the IdP says is not verified', async () => {
    const { answer, checks } = await answerFor(provider, 'u-mallory');
    const identity = await provider.finishLogin(answer, checks);
    assert.equal(identity.id, 'u-mallory');
    assert.equal(identity.email, undefined);
  });

  test('discovers the endpoints from authority when they are not configured', async () => {
    const discovered = oauth2(oauth2ConfigSchema.parse({ authority: idp.issuer, client_id: 'lease', client_secret: SECRET, scopes: SCOPES }));
    const { answer, checks } = await answerFor(discovered);
    assert.equal((await discovered.finishLogin(answer, checks)).id, 'u-alice');
  });

  test('logs in through oauth2.google with its endpoints pointed at the test server', async () => {
    const google = oauth2(
      googleOAuth2ConfigSchema.parse({ client_id: 'lease', client_secret: SECRET, scopes: ['openid', 'email', 'profile'], endpoints: { auth: `${idp.issuer}/auth`, token: `${idp.issuer}/token`, userinfo: `${idp.issuer}/me` } }),
      'oauth2.google',
    );
    const { answer, checks } = await answerFor(google);
    assert.deepEqual(await google.finishLogin(answer, checks), {
      id: 'u-alice',
      email: 'alice@corp.example',
      email_verified: true,
      name: 'Alice Liddell',
      groups: [],
      provider: 'oauth',
      provider_type: 'oauth2.google',
    });
  });

  test('refuses an answer whose state is not the one sent', async () => {
    const { answer, checks } = await answerFor(provider);
    await assert.rejects(provider.finishLogin(answer, { ...checks, state: 'another-state' }), RedirectLoginFailed);
  });

  test('refuses when the PKCE verifier does not match the challenge', async () => {
    const { answer, checks } = await answerFor(provider);
    await assert.rejects(provider.finishLogin(answer, { ...checks, codeVerifier: 'x'.repeat(43) }), (err: unknown) => err instanceof RedirectLoginFailed && err.reason === 'invalid_grant');
  });

  test('refuses a code used twice', async () => {
    const { answer, checks } = await answerFor(provider);
    await provider.finishLogin(answer, checks);
    await assert.rejects(provider.finishLogin(answer, checks), (err: unknown) => err instanceof RedirectLoginFailed && err.reason === 'invalid_grant');
  });

  test('reports an error answer from the IdP by its OAuth error code', async () => {
    const { checks } = await provider.beginLogin(REDIRECT);
    const answer = new URLSearchParams({ error: 'access_denied', state: checks.state });
    await assert.rejects(provider.finishLogin(answer, checks), (err: unknown) => err instanceof RedirectLoginFailed && err.reason === 'access_denied');
  });

  test('fails the login when userinfo answers an error status', async () => {
    const missing = oauth2(oauth2ConfigSchema.parse({ authority: idp.issuer, endpoints: { auth: '/auth', token: '/token', userinfo: '/no-such-userinfo' }, client: { id: 'lease', secret: SECRET }, scopes: SCOPES }));
    const { answer, checks } = await answerFor(missing);
    await assert.rejects(missing.finishLogin(answer, checks), (err: unknown) => err instanceof RedirectLoginFailed && err.reason === 'userinfo_status_404');
  });

  test('fails the login when userinfo refuses the token', async () => {
    // Without the openid scope this server's userinfo refuses the access token (insufficient_scope).
    const narrow = oauth2(oauth2ConfigSchema.parse({ authority: idp.issuer, endpoints: { auth: '/auth', token: '/token', userinfo: '/me' }, client: { id: 'lease', secret: SECRET }, scopes: ['email'] }));
    const { answer, checks } = await answerFor(narrow);
    await assert.rejects(narrow.finishLogin(answer, checks), (err: unknown) => err instanceof RedirectLoginFailed && /^userinfo_/.test(err.reason));
  });

  test('says the IdP is unavailable when userinfo cannot be reached', async () => {
    const unreachable = oauth2(oauth2ConfigSchema.parse({ authority: idp.issuer, endpoints: { auth: '/auth', token: '/token', userinfo: 'http://127.0.0.1:9/userinfo' }, client: { id: 'lease', secret: SECRET }, scopes: SCOPES }));
    const { answer, checks } = await answerFor(unreachable);
    await assert.rejects(unreachable.finishLogin(answer, checks), IdentityProviderUnavailable);
  });

  test('says the IdP is unavailable when discovery fails, and retries on the next login', async () => {
    const down = oauth2(oauth2ConfigSchema.parse({ authority: 'http://127.0.0.1:9', client_id: 'lease' }));
    await assert.rejects(down.beginLogin(REDIRECT), IdentityProviderUnavailable);
    await assert.rejects(down.beginLogin(REDIRECT), IdentityProviderUnavailable);
  });

  test('refuses to start a Google login without client credentials, saying why', async () => {
    const unconfigured = oauth2(googleOAuth2ConfigSchema.parse({}), 'oauth2.google');
    await assert.rejects(unconfigured.beginLogin(REDIRECT), (err: unknown) => err instanceof IdentityProviderUnavailable && /no client_id is configured/.test(err.message));
  });
});
