// BrowserLoginService rules with an injected clock and an in-process fake IdP (named as such: the
// real OpenID provider runs in src/identity/oidc/provider.test.ts and test/e2e/oidc.test.ts).
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { ManualClock, silentLogger, type Identity } from '../../core/index.js';
import { SessionKeys, verifySessionToken } from '../../identity/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../store/index.js';
import { openTempStore } from '../../store/temp-store.fake.js';
import { LOGIN_ATTEMPT_TTL_MS, LOGIN_CODE_TTL_MS, BrowserLoginService, checkLoopbackRedirect } from './browser-login.js';
import { FakeRedirectIdp } from './redirect-idp.fake.js';

const CLI = 'http://127.0.0.1:43123/callback';
const alice: Identity = { id: 'u-alice', email: 'alice@corp.example', name: 'Alice', groups: ['eng'], provider: 'corp', provider_type: 'oidc' };

async function setup(t: TestContext) {
  const { store, dir, clock, file } = await openTempStore(t, { clock: new ManualClock(Date.parse('2026-06-01T00:00:00Z')) });
  const keys = await SessionKeys.load(dir, { clock });
  const instance = (id: string): ProviderInstance => ({ id, type: 'oidc', name: id, enabled: true, capabilities: ['identity'], identity: new FakeRedirectIdp(id, alice) });
  const providers = new Map([
    ['corp', instance('corp')],
    ['other', instance('other')],
  ]);
  const service = new BrowserLoginService({ store, providers, keys, clock, logger: silentLogger, sessionTtlMs: 3_600_000, publicUrl: () => 'https://lease.example/' });
  /** Runs start + the IdP's happy answer; returns the attempt and the CLI's code. */
  const login = async (provider = 'corp') => {
    const started = await service.start(provider, CLI);
    const state = new URL(started.login_url).searchParams.get('state') as string;
    const location = new URL(await service.callback(provider, new URLSearchParams({ code: 'ok', state })));
    return { attempt: started.attempt, state, location, code: location.searchParams.get('code') as string };
  };
  /** A second server on the same store file and data directory: another replica. */
  const replica = async () => {
    const other = await openSqliteStore({ file, clock });
    t.after(() => other.close());
    const otherKeys = await SessionKeys.load(dir, { clock });
    return new BrowserLoginService({ store: other, providers, keys: otherKeys, clock, logger: silentLogger, sessionTtlMs: 3_600_000, publicUrl: () => 'https://lease.example/' });
  };
  return { service, store, keys, clock, login, replica, file };
}

describe('BrowserLoginService', () => {
  it('registers the callback under the external URL', async (t) => {
    const { service } = await setup(t);
    assert.equal(service.callbackUrl('corp'), 'https://lease.example/api/v1/auth/corp/callback');
  });

  it('sends the browser to the CLI loopback with a code, and the code buys a session once', async (t) => {
    const { service, keys, clock, login, store } = await setup(t);
    const { attempt, code, location } = await login();
    assert.equal(`${location.origin}${location.pathname}`, CLI);
    assert.deepEqual([...location.searchParams.keys()], ['code']);
    const session = await service.exchange('corp', attempt, code);
    assert.deepEqual(session.identity, alice);
    assert.equal((await verifySessionToken(keys, session.token, { now: clock.now() })).identity.id, 'u-alice');
    assert.ok(!code.includes(session.token) && !session.token.includes(code), 'the code is not the token');
    const audit = await store.audit.list({});
    assert.ok(audit.some((e) => e.action === 'login.succeeded' && e.actor === 'corp:u-alice' && (e.data as { provider?: string }).provider === 'corp'));
  });

  it('finishes on another replica a login started on this one, and refuses the code replayed back here', async (t) => {
    const { service, replica } = await setup(t);
    const other = await replica();
    const started = await service.start('corp', CLI);
    const state = new URL(started.login_url).searchParams.get('state') as string;
    const code = new URL(await other.callback('corp', new URLSearchParams({ code: 'ok', state }))).searchParams.get('code') as string;
    assert.equal((await other.exchange('corp', started.attempt, code)).identity.id, 'u-alice');
    await assert.rejects(service.exchange('corp', started.attempt, code), { code: 'invalid_login_code' });
    await assert.rejects(service.callback('corp', new URLSearchParams({ code: 'ok', state })), { code: 'invalid_state' });
  });

  it('keeps no attempt id, state, exchange code, nonce or PKCE verifier in the store in the clear', async (t) => {
    const { service, file } = await setup(t);
    const started = await service.start('corp', CLI);
    const state = new URL(started.login_url).searchParams.get('state') as string;
    const code = new URL(await service.callback('corp', new URLSearchParams({ code: 'ok', state }))).searchParams.get('code') as string;
    const raw = new Database(file, { readonly: true });
    t.after(() => raw.close());
    const rows = JSON.stringify(raw.prepare('SELECT * FROM login_attempts').all());
    assert.ok(rows.includes('u-alice'), 'the attempt is there');
    for (const secret of [started.attempt, state, code, 'nonce-1', 'verifier-1']) assert.ok(!rows.includes(secret), `${secret} is not stored`);
  });

  it('refuses a replayed exchange code', async (t) => {
    const { service, login } = await setup(t);
    const { attempt, code } = await login();
    await service.exchange('corp', attempt, code);
    await assert.rejects(service.exchange('corp', attempt, code), { code: 'invalid_login_code', status: 400 });
  });

  it('refuses an exchange code older than 60 seconds', async (t) => {
    const { service, clock, login } = await setup(t);
    const { attempt, code } = await login();
    clock.advance(LOGIN_CODE_TTL_MS + 1000);
    await assert.rejects(service.exchange('corp', attempt, code), { code: 'login_code_expired', status: 400 });
  });

  it('accepts an exchange code just inside its 60 seconds', async (t) => {
    const { service, clock, login } = await setup(t);
    const { attempt, code } = await login();
    clock.advance(LOGIN_CODE_TTL_MS - 1000);
    assert.equal((await service.exchange('corp', attempt, code)).identity.id, 'u-alice');
  });

  it('refuses a code from another login attempt, and leaves both attempts usable by their owners', async (t) => {
    const { service, login } = await setup(t);
    const mine = await login();
    const theirs = await login();
    await assert.rejects(service.exchange('corp', mine.attempt, theirs.code), { code: 'invalid_login_code' });
    assert.equal((await service.exchange('corp', theirs.attempt, theirs.code)).identity.id, 'u-alice');
    assert.equal((await service.exchange('corp', mine.attempt, mine.code)).identity.id, 'u-alice');
  });

  it('refuses a forged or tampered code', async (t) => {
    const { service, login } = await setup(t);
    const { attempt, code } = await login();
    await assert.rejects(service.exchange('corp', attempt, `${code.slice(0, -1)}${code.endsWith('A') ? 'B' : 'A'}`), { code: 'invalid_login_code' });
    await assert.rejects(service.exchange('corp', attempt, 'not-a-code'), { code: 'invalid_login_code' });
  });

  it('refuses a code at another provider\'s exchange', async (t) => {
    const { service, login } = await setup(t);
    const { attempt, code } = await login('corp');
    await assert.rejects(service.exchange('other', attempt, code), { code: 'invalid_login_code' });
  });

  it('refuses a replayed state', async (t) => {
    const { service, login, store } = await setup(t);
    const { state } = await login();
    await assert.rejects(service.callback('corp', new URLSearchParams({ code: 'ok', state })), { code: 'invalid_state', status: 400 });
    const audit = await store.audit.list({});
    assert.ok(audit.some((e) => e.action === 'login.failed' && (e.data as { reason?: string }).reason === 'invalid_state'));
  });

  it('refuses an unknown or missing state', async (t) => {
    const { service } = await setup(t);
    await assert.rejects(service.callback('corp', new URLSearchParams({ code: 'ok', state: 'made-up' })), { code: 'invalid_state' });
    await assert.rejects(service.callback('corp', new URLSearchParams({ code: 'ok' })), { code: 'invalid_state' });
  });

  it('refuses a state presented at another provider\'s callback, and burns it', async (t) => {
    const { service } = await setup(t);
    const started = await service.start('corp', CLI);
    const state = new URL(started.login_url).searchParams.get('state') as string;
    await assert.rejects(service.callback('other', new URLSearchParams({ code: 'ok', state })), { code: 'invalid_state' });
    await assert.rejects(service.callback('corp', new URLSearchParams({ code: 'ok', state })), { code: 'invalid_state' });
  });

  it('refuses a state after the attempt expired', async (t) => {
    const { service, clock } = await setup(t);
    const started = await service.start('corp', CLI);
    const state = new URL(started.login_url).searchParams.get('state') as string;
    clock.advance(LOGIN_ATTEMPT_TTL_MS + 1);
    await assert.rejects(service.callback('corp', new URLSearchParams({ code: 'ok', state })), { code: 'invalid_state' });
  });

  it('sends the CLI an error when the IdP refused, and audits the failure without the code', async (t) => {
    const { service, store } = await setup(t);
    const started = await service.start('corp', CLI);
    const state = new URL(started.login_url).searchParams.get('state') as string;
    const location = new URL(await service.callback('corp', new URLSearchParams({ code: 'bad-code-123', state })));
    assert.equal(location.searchParams.get('error'), 'login_failed');
    assert.equal(location.searchParams.get('code'), null);
    const entries = JSON.stringify(await store.audit.list({}));
    assert.ok(entries.includes('login.failed'));
    assert.ok(!entries.includes('bad-code-123'));
  });

  it('refuses a provider that is not an OIDC provider', async (t) => {
    const { service } = await setup(t);
    await assert.rejects(service.start('nope', CLI), { code: 'identity_provider_not_found', status: 404 });
  });

  it('refuses new logins when too many are pending', async (t) => {
    const { store, keys, clock } = await setup(t);
    const providers = new Map<string, ProviderInstance>([['corp', { id: 'corp', type: 'oidc', name: 'c', enabled: true, capabilities: ['identity'], identity: new FakeRedirectIdp('corp', alice) }]]);
    const service = new BrowserLoginService({ store, providers, keys, clock, logger: silentLogger, sessionTtlMs: 60_000, publicUrl: () => 'http://127.0.0.1:1', pendingLimit: 2 });
    await service.start('corp', CLI);
    await service.start('corp', CLI);
    await assert.rejects(service.start('corp', CLI), { code: 'too_many_pending_logins', status: 503 });
    clock.advance(LOGIN_ATTEMPT_TTL_MS + 1);
    await service.start('corp', CLI);
  });
});

describe('checkLoopbackRedirect (open redirect protection)', () => {
  it('accepts the CLI loopback listener on 127.0.0.1 and ::1', () => {
    assert.equal(checkLoopbackRedirect('http://127.0.0.1:43123/callback'), 'http://127.0.0.1:43123/callback');
    assert.equal(checkLoopbackRedirect('http://[::1]:43123/callback'), 'http://[::1]:43123/callback');
  });

  for (const bad of [
    'https://evil.example/cb',
    'http://evil.example:8080/cb',
    'http://127.0.0.1.evil.example:8080/cb',
    'http://127.0.0.1@evil.example:8080/cb',
    'http://user:pw@127.0.0.1:8080/cb',
    'https://127.0.0.1:8080/cb',
    'http://localhost:8080/cb',
    'http://127.0.0.1/cb',
    'http://127.0.0.1:8080/cb?next=https://evil.example',
    'http://127.0.0.1:8080/cb#x',
    'javascript:alert(1)',
    '//evil.example/cb',
    'not a url',
  ]) {
    it(`refuses ${bad}`, () => {
      assert.throws(() => checkLoopbackRedirect(bad), { code: 'invalid_redirect', status: 400 });
    });
  }
});
