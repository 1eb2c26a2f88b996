// The oidc provider against a real OpenID provider (oidc-provider on loopback): the whole
// authorization code + PKCE flow, and each check that must refuse a tampered answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestBrowser } from '../../../test/support/browser.js';
import { startOidcProvider, type TestOidcProvider } from '../../../test/support/oidc-provider.js';
import type { RedirectLoginChecks } from '../types.js';
import { oidcConfigSchema } from './config.js';
import { IdentityProviderUnavailable, RedirectLoginFailed } from './errors.js';
import { OidcIdentityProvider } from './provider.js';

const REDIRECT = 'http://127.0.0.1:9/api/v1/auth/corp/callback';
const SECRET = 'test-client-secret-0123456789';

describe('oidc identity provider (real OpenID provider)', () => {
  let idp: TestOidcProvider;
  let provider: OidcIdentityProvider;

  before(async () => {
    idp = await startOidcProvider({
      accounts: [
        { sub: 'u-alice', email: 'alice@corp.example', name: 'Alice Liddell', groups: ['eng', 'oncall'] },
        { sub: 'u-mallory', email: 'ceo@corp.example', name: 'Mallory', groups: ['eng'], email_verified: false },
      ],
    });
    idp.registerClient({ client_id: 'lease', client_secret: SECRET, redirect_uris: [REDIRECT] });
    provider = new OidcIdentityProvider('corp', oidcConfigSchema.parse({ issuer: idp.issuer, client_id: 'lease', client_secret: SECRET, scopes: ['openid', 'email', 'profile', 'groups'] }));
  });

  after(async () => {
    await idp?.stop();
  });

  /** Logs in at the IdP as `sub` and returns the IdP's answer as it would reach the callback. */
  async function answerFor(sub: string): Promise<{ answer: URLSearchParams; checks: RedirectLoginChecks; url: URL }> {
    idp.nextLogin = sub;
    const { url, checks } = await provider.beginLogin(REDIRECT);
    const visit = await new TestBrowser().visit(url, { stopBefore: (next) => next.href.startsWith(REDIRECT) });
    assert.ok(visit.stoppedBefore, `the IdP redirected back (last status ${visit.response.status})`);
    return { answer: visit.stoppedBefore.searchParams, checks, url: new URL(url) };
  }

  test('asks for code with PKCE S256, state, nonce and the configured scopes', async () => {
    const { url } = await provider.beginLogin(REDIRECT);
    const q = new URL(url).searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.ok(q.get('code_challenge') && q.get('state') && q.get('nonce'));
    assert.equal(q.get('scope'), 'openid email profile groups');
    assert.equal(q.get('redirect_uri'), REDIRECT);
  });

  test('turns a login into an identity with email, name and groups', async () => {
    const { answer, checks } = await answerFor('u-alice');
    assert.deepEqual(await provider.finishLogin(answer, checks), {
      id: 'u-alice',
      email: 'alice@corp.example',
      email_verified: true,
      name: 'Alice Liddell',
      groups: ['eng', 'oncall'],
      provider: 'corp',
      provider_type: 'oidc',
    });
  });

  test('leaves out an email the IdP says is not verified', async () => {
    const { answer, checks } = await answerFor('u-mallory');
    const identity = await provider.finishLogin(answer, checks);
    assert.equal(identity.email, undefined);
    assert.equal(identity.id, 'u-mallory');
  });

  test('refuses an answer whose state is not the one sent', async () => {
    const { answer, checks } = await answerFor('u-alice');
    await assert.rejects(provider.finishLogin(answer, { ...checks, state: 'another-state' }), RedirectLoginFailed);
  });

  test('refuses when the PKCE verifier does not match the challenge', async () => {
    const { answer, checks } = await answerFor('u-alice');
    await assert.rejects(provider.finishLogin(answer, { ...checks, codeVerifier: 'x'.repeat(43) }), (err: unknown) => err instanceof RedirectLoginFailed && err.reason === 'invalid_grant');
  });

  test('refuses an ID token with another nonce', async () => {
    const { answer, checks } = await answerFor('u-alice');
    await assert.rejects(provider.finishLogin(answer, { ...checks, nonce: 'another-nonce' }), RedirectLoginFailed);
  });

  test('refuses a code used twice', async () => {
    const { answer, checks } = await answerFor('u-alice');
    await provider.finishLogin(answer, checks);
    await assert.rejects(provider.finishLogin(answer, checks), (err: unknown) => err instanceof RedirectLoginFailed && err.reason === 'invalid_grant');
  });

  test('reports an error answer from the IdP by its OAuth error code', async () => {
    const { checks } = await provider.beginLogin(REDIRECT);
    const answer = new URLSearchParams({ error: 'access_denied', state: checks.state, iss: idp.issuer });
    await assert.rejects(provider.finishLogin(answer, checks), (err: unknown) => err instanceof RedirectLoginFailed && err.reason === 'access_denied');
  });

  test('says the IdP is unavailable when discovery fails, and retries on the next login', async () => {
    const down = new OidcIdentityProvider('down', oidcConfigSchema.parse({ issuer: 'http://127.0.0.1:9', client_id: 'lease' }));
    await assert.rejects(down.beginLogin(REDIRECT), IdentityProviderUnavailable);
    await assert.rejects(down.beginLogin(REDIRECT), IdentityProviderUnavailable);
  });
});
