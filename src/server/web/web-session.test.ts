// The web session through the real HTTP app (createHttpApp + the auth routes), with a real
// SQLite store, session keys and local users, and an in-process fake IdP (named as such: the
// real browser and OpenID provider run in test/e2e/web-session.test.ts).
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { z } from 'zod';
import { ManualClock, silentLogger, type Identity } from '../../core/index.js';
import { SessionKeys, createLocalIdentity, hashPassword } from '../../identity/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import { openTempStore } from '../../store/temp-store.fake.js';
import { route, type RouteSpec } from '../api/route.js';
import { createHttpApp } from '../http.js';
import { authRoutes } from '../routes/auth.js';
import { createAccessControl } from '../services/access-control.js';
import { AuthService } from '../services/auth.js';
import { BrowserLoginService } from '../services/browser-login.js';
import { LoginThrottle } from '../services/login-throttle.js';
import { FakeRedirectIdp } from '../services/redirect-idp.fake.js';
import { WebLogin } from './web-login.js';
import { WebSessions } from './web-sessions.js';

const PASSWORD = 'alice-Secr3t-pw';
const passwordHash = hashPassword(PASSWORD);
const HTTP_URL = 'http://127.0.0.1:8080';
const HTTPS_URL = 'https://lease.example';
const SESSION_TTL_MS = 3_600_000;

/** Who the fake IdP logs in (`code=ok`). */
const carol: Identity = { id: 'u-carol', email: 'carol@corp.example', groups: ['eng'], provider: 'corp', provider_type: 'oidc' };

interface Cookie {
  name: string;
  value: string;
  attributes: Map<string, string>;
}

function cookiesOf(response: Response): Cookie[] {
  return response.headers.getSetCookie().map((header) => {
    const [pair = '', ...rest] = header.split(';');
    const eq = pair.indexOf('=');
    const attributes = new Map(rest.map((a) => a.trim().split('=')).map(([k = '', v = '']) => [k.toLowerCase(), v] as [string, string]));
    return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
  });
}

function cookieOf(response: Response, name: string): Cookie {
  const cookie = cookiesOf(response).find((c) => c.name === name);
  assert.ok(cookie, `Set-Cookie ${name} in ${JSON.stringify(response.headers.getSetCookie())}`);
  return cookie;
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

async function setup(t: TestContext, publicUrl = HTTP_URL) {
  const { store, dir, clock } = await openTempStore(t, { clock: new ManualClock(Date.parse('2026-06-01T00:00:00Z')) });
  const keys = await SessionKeys.load(dir, { clock });
  const providers = new Map<string, ProviderInstance>([
    ['local', createLocalIdentity({ id: 'local', name: 'Local', enabled: true, config: { trust_email: false, users: { alice: { password_hash: await passwordHash, groups: ['eng'] } } } }) as ProviderInstance],
    ['corp', { id: 'corp', type: 'oidc', name: 'Corp', enabled: true, capabilities: ['identity'], identity: new FakeRedirectIdp('corp', carol) }],
  ]);
  const access = createAccessControl([{ provider: 'local', user: 'admin-ann' }]);
  const auth = new AuthService({ store, providers, keys, clock, logger: silentLogger, throttle: new LoginThrottle(store, clock), access, sessionTtlMs: SESSION_TTL_MS });
  const web = new WebSessions({ auth, clock, publicUrl: () => publicUrl });
  const logins = new BrowserLoginService({ store, providers, keys, clock, logger: silentLogger, sessionTtlMs: SESSION_TTL_MS, publicUrl: () => publicUrl });
  // Stand-ins for the API's routes: one safe, one state-changing.
  const whoami = (method: 'get' | 'post') =>
    route({ method, path: '/api/v1/whoami', summary: 'test', tag: 'test', auth: true, response: z.object({ id: z.string() }), handler: async ({ identity }) => ({ id: identity.id }) });
  const routes = [...authRoutes(auth, web, new WebLogin({ logins, sessions: web })), whoami('get'), whoami('post')] as RouteSpec<never, never>[];
  const app = createHttpApp({ routes, web, logger: silentLogger, version: 'test', readiness: () => Promise.resolve({ ready: true as const }) });
  const origin = new URL(publicUrl).origin;
  const request = (path: string, init: RequestInit = {}) => app.request(`${origin}${path}`, init);

  /** Logs alice in with mode "cookie" as the UI does; answers her cookie header and CSRF token. */
  const cookieLogin = async () => {
    const r = await request('/api/v1/auth/local/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ username: 'alice', password: PASSWORD, mode: 'cookie' }),
    });
    assert.equal(r.status, 200, await r.clone().text());
    const cookie = cookiesOf(r)[0] as Cookie;
    const body = (await r.json()) as { csrf_token: string };
    return { response: r, cookie, header: `${cookie.name}=${cookie.value}`, csrf: body.csrf_token, body };
  };
  /** Alice's session token from a plain (token mode) password login. */
  const tokenLogin = async () => {
    const r = await request('/api/v1/auth/local/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: PASSWORD }) });
    assert.equal(r.status, 200, await r.clone().text());
    return ((await r.json()) as { token: string }).token;
  };
  return { app, request, cookieLogin, tokenLogin, logins, clock, origin, store };
}

describe('the web session cookie', () => {
  it('is HttpOnly, SameSite=Lax, Path=/, host-only, not Secure over loopback http, and lives as long as the session', async (t) => {
    const { cookieLogin } = await setup(t);
    const { cookie, body } = await cookieLogin();
    assert.equal(cookie.name, 'lease_session');
    assert.ok(cookie.attributes.has('httponly'));
    assert.equal(cookie.attributes.get('samesite'), 'Lax');
    assert.equal(cookie.attributes.get('path'), '/');
    assert.equal(cookie.attributes.get('max-age'), String(SESSION_TTL_MS / 1000));
    assert.ok(!cookie.attributes.has('secure'));
    assert.ok(!cookie.attributes.has('domain'));
    assert.ok(!('token' in body), 'the token stays in the cookie, out of reach of page scripts');
  });

  it('is __Host-lease_session with Secure, Path=/ and no Domain when the public URL is https', async (t) => {
    const { cookie } = await (await setup(t, HTTPS_URL)).cookieLogin();
    assert.equal(cookie.name, '__Host-lease_session');
    assert.ok(cookie.attributes.has('secure'));
    assert.ok(cookie.attributes.has('httponly'));
    assert.equal(cookie.attributes.get('samesite'), 'Lax');
    assert.equal(cookie.attributes.get('path'), '/');
    assert.ok(!cookie.attributes.has('domain'));
  });

  it('is refused over plain http beyond loopback', async (t) => {
    const { request } = await setup(t, 'http://lease.example');
    const r = await request('/api/v1/auth/local/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: PASSWORD, mode: 'cookie' }) });
    assert.equal(r.status, 400);
    assert.equal(await errorCode(r), 'https_required');
    assert.deepEqual(r.headers.getSetCookie(), []);
  });

  it('is not set by a login from another site, nor by one not sent as JSON (login CSRF)', async (t) => {
    const { request } = await setup(t);
    const body = JSON.stringify({ username: 'alice', password: PASSWORD, mode: 'cookie' });
    const crossSite = await request('/api/v1/auth/local/login', { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, body });
    assert.equal(crossSite.status, 403);
    assert.equal(await errorCode(crossSite), 'cross_site_request');
    const form = await request('/api/v1/auth/local/login', { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    assert.equal(form.status, 415);
    assert.equal(await errorCode(form), 'json_required');
    for (const r of [crossSite, form]) assert.deepEqual(r.headers.getSetCookie(), []);
  });

  it('is not set by a token login: the CLI gets the token in the body', async (t) => {
    const { request } = await setup(t);
    const r = await request('/api/v1/auth/local/login', { method: 'POST', body: JSON.stringify({ username: 'alice', password: PASSWORD }) });
    assert.equal(r.status, 200);
    assert.deepEqual(r.headers.getSetCookie(), []);
    assert.equal(typeof ((await r.json()) as { token: string }).token, 'string');
  });

  it('is not accepted under its plain name on an https server (only __Host- cannot be planted)', async (t) => {
    const { request, cookieLogin } = await setup(t, HTTPS_URL);
    const { cookie } = await cookieLogin();
    const r = await request('/api/v1/whoami', { headers: { cookie: `lease_session=${cookie.value}` } });
    assert.equal(r.status, 401);
  });
});

describe('CSRF protection of cookie sessions', () => {
  it('lets a cookie GET through without a CSRF token, marked no-store', async (t) => {
    const { request, cookieLogin } = await setup(t);
    const { header } = await cookieLogin();
    const r = await request('/api/v1/whoami', { headers: { cookie: header } });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { id: 'alice' });
    assert.equal(r.headers.get('cache-control'), 'no-store');
  });

  it('refuses a cookie POST without the CSRF token (403 csrf_token_invalid)', async (t) => {
    const { request, cookieLogin } = await setup(t);
    const { header } = await cookieLogin();
    const r = await request('/api/v1/whoami', { method: 'POST', headers: { cookie: header } });
    assert.equal(r.status, 403);
    assert.equal(await errorCode(r), 'csrf_token_invalid');
  });

  it('refuses a cookie POST with a wrong CSRF token, or with another session\'s', async (t) => {
    const { request, cookieLogin } = await setup(t);
    const mine = await cookieLogin();
    const other = await cookieLogin();
    assert.notEqual(mine.csrf, other.csrf);
    for (const token of [other.csrf, `${mine.csrf.slice(0, -1)}${mine.csrf.endsWith('A') ? 'B' : 'A'}`, 'x', mine.csrf.repeat(2)]) {
      const r = await request('/api/v1/whoami', { method: 'POST', headers: { cookie: mine.header, 'x-csrf-token': token } });
      assert.equal(r.status, 403, token);
      assert.equal(await errorCode(r), 'csrf_token_invalid');
    }
  });

  it('accepts a cookie POST with the CSRF token from GET /api/v1/auth/csrf', async (t) => {
    const { request, cookieLogin } = await setup(t);
    const { header, csrf } = await cookieLogin();
    const answer = await request('/api/v1/auth/csrf', { headers: { cookie: header } });
    assert.equal(answer.status, 200);
    const body = (await answer.json()) as { csrf_token: string; identity: { id: string } };
    assert.equal(body.csrf_token, csrf);
    assert.equal(body.identity.id, 'alice');
    const r = await request('/api/v1/whoami', { method: 'POST', headers: { cookie: header, 'x-csrf-token': body.csrf_token, 'sec-fetch-site': 'same-origin', origin: HTTP_URL } });
    assert.equal(r.status, 200);
  });

  it('needs no CSRF token with a bearer header, even when a cookie rides along', async (t) => {
    const { request, cookieLogin } = await setup(t);
    const { header } = await cookieLogin();
    const login = await request('/api/v1/auth/local/login', { method: 'POST', body: JSON.stringify({ username: 'alice', password: PASSWORD }) });
    const { token } = (await login.json()) as { token: string };
    const withBearer: Record<string, string>[] = [{ authorization: `Bearer ${token}` }, { authorization: `Bearer ${token}`, cookie: header }];
    for (const headers of withBearer) {
      const r = await request('/api/v1/whoami', { method: 'POST', headers });
      assert.equal(r.status, 200);
    }
  });

  it('refuses a cookie POST from another origin even with the right CSRF token', async (t) => {
    const { request, cookieLogin } = await setup(t);
    const { header, csrf } = await cookieLogin();
    const fromElsewhere: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'http://evil.example' },
      { origin: 'http://127.0.0.1:9999' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site', origin: HTTP_URL },
    ];
    for (const extra of fromElsewhere) {
      const r = await request('/api/v1/whoami', { method: 'POST', headers: { cookie: header, 'x-csrf-token': csrf, ...extra } });
      assert.equal(r.status, 403, JSON.stringify(extra));
      assert.equal(await errorCode(r), 'cross_site_request');
    }
  });

  it('gives the CSRF token only to a cookie session (401 with a bearer alone)', async (t) => {
    const { request } = await setup(t);
    const login = await request('/api/v1/auth/local/login', { method: 'POST', body: JSON.stringify({ username: 'alice', password: PASSWORD }) });
    const { token } = (await login.json()) as { token: string };
    const r = await request('/api/v1/auth/csrf', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 401);
  });

  it('answers 401 session_expired, not 403, for an expired cookie', async (t) => {
    const { request, cookieLogin, clock } = await setup(t);
    const { header } = await cookieLogin();
    clock.advance(SESSION_TTL_MS + 1000);
    const r = await request('/api/v1/whoami', { method: 'POST', headers: { cookie: header } });
    assert.equal(r.status, 401);
    assert.equal(await errorCode(r), 'session_expired');
  });
});

describe('logout', () => {
  it('clears the session cookie and ends the session: the same cookie is refused afterwards (401 session_revoked)', async (t) => {
    const { request, cookieLogin, store } = await setup(t);
    const { header, csrf } = await cookieLogin();
    assert.equal((await request('/api/v1/whoami', { headers: { cookie: header } })).status, 200, 'cached as verified before the logout');
    const r = await request('/api/v1/auth/logout', { method: 'POST', headers: { cookie: header, 'x-csrf-token': csrf } });
    assert.equal(r.status, 200);
    const cleared = cookieOf(r, 'lease_session');
    assert.equal(cleared.value, '');
    assert.equal(cleared.attributes.get('max-age'), '0');
    assert.ok(cleared.attributes.has('httponly'));
    for (const path of ['/api/v1/whoami', '/api/v1/auth/csrf']) {
      const after = await request(path, { headers: { cookie: header } });
      assert.equal(after.status, 401, path);
      assert.equal(await errorCode(after), 'session_revoked', path);
    }
    const audit = await store.audit.list();
    assert.ok(audit.some((e) => e.action === 'session.revoked' && e.actor === 'local:alice'));
  });

  it('ends the session of a bearer token (the CLI), with no CSRF token; the token is refused afterwards', async (t) => {
    const { request, tokenLogin } = await setup(t);
    const token = await tokenLogin();
    const other = await tokenLogin();
    const bearer = (value: string) => ({ authorization: `Bearer ${value}` });
    assert.equal((await request('/api/v1/whoami', { headers: bearer(token) })).status, 200);
    const r = await request('/api/v1/auth/logout', { method: 'POST', headers: bearer(token) });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { logged_out: true });
    const after = await request('/api/v1/whoami', { headers: bearer(token) });
    assert.equal(after.status, 401);
    const body = (await after.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'session_revoked');
    assert.match(body.error.message, /log in again/);
    assert.equal((await request('/api/v1/whoami', { headers: bearer(other) })).status, 200, "the user's other session is not this one");
  });

  it('is harmless for a token already ended, expired or garbled: the same answer each time', async (t) => {
    const { request, tokenLogin, clock, store } = await setup(t);
    const token = await tokenLogin();
    const logout = (authorization: string) => request('/api/v1/auth/logout', { method: 'POST', headers: { authorization } });
    const answers = [];
    answers.push(await logout(`Bearer ${token}`));
    answers.push(await logout(`Bearer ${token}`));
    answers.push(await logout('Bearer not-a-token'));
    answers.push(await logout('Basic abc'));
    const expiring = await tokenLogin();
    clock.advance(SESSION_TTL_MS + 1000);
    answers.push(await logout(`Bearer ${expiring}`));
    for (const r of answers) {
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { logged_out: true });
    }
    assert.equal((await store.audit.list()).filter((e) => e.action === 'session.revoked').length, 1, 'one session was ended, once');
  });

  it('a logout refused for want of the CSRF token leaves the session working', async (t) => {
    const { request, cookieLogin } = await setup(t);
    const { header } = await cookieLogin();
    assert.equal((await request('/api/v1/auth/logout', { method: 'POST', headers: { cookie: header } })).status, 403);
    assert.equal((await request('/api/v1/whoami', { headers: { cookie: header } })).status, 200);
  });

  it('refuses to end a live cookie session without its CSRF token, or from another site', async (t) => {
    const { request, cookieLogin } = await setup(t);
    const { header, csrf } = await cookieLogin();
    const noToken = await request('/api/v1/auth/logout', { method: 'POST', headers: { cookie: header } });
    assert.equal(noToken.status, 403);
    assert.equal(await errorCode(noToken), 'csrf_token_invalid');
    const crossSite = await request('/api/v1/auth/logout', { method: 'POST', headers: { cookie: header, 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' } });
    assert.equal(crossSite.status, 403);
    for (const r of [noToken, crossSite]) assert.deepEqual(r.headers.getSetCookie(), []);
  });

  it('clears an expired or broken cookie without a CSRF token', async (t) => {
    const { request } = await setup(t);
    const r = await request('/api/v1/auth/logout', { method: 'POST', headers: { cookie: 'lease_session=not-a-token' } });
    assert.equal(r.status, 200);
    assert.equal(cookieOf(r, 'lease_session').attributes.get('max-age'), '0');
  });
});

describe('web login through a browser (OIDC/SAML) provider', () => {
  /** web-login → (fake IdP) → the provider's callback: answers the login cookie and web-finish URL. */
  async function startWebLogin(ctx: Awaited<ReturnType<typeof setup>>, returnTo = '/requests?status=active') {
    const r = await ctx.request(`/api/v1/auth/corp/web-login?return_to=${encodeURIComponent(returnTo)}`);
    assert.equal(r.status, 303, await r.clone().text());
    const idp = new URL(r.headers.get('location') as string);
    assert.equal(idp.origin, 'https://idp.example');
    const login = cookiesOf(r).find((c) => c.name.endsWith('lease_login')) as Cookie;
    const finish = new URL(await ctx.logins.callback('corp', new URLSearchParams({ code: 'ok', state: idp.searchParams.get('state') as string })));
    return { login, loginHeader: `${login.name}=${login.value}`, finish };
  }

  it('binds the login to this browser, then sets the session cookie and lands on return_to', async (t) => {
    const ctx = await setup(t);
    const { login, loginHeader, finish } = await startWebLogin(ctx);
    assert.ok(login.attributes.has('httponly'));
    assert.equal(login.attributes.get('samesite'), 'Lax');
    assert.equal(login.attributes.get('max-age'), '600');
    assert.equal(finish.pathname, '/api/v1/auth/corp/web-finish');
    const r = await ctx.request(`${finish.pathname}${finish.search}`, { headers: { cookie: loginHeader } });
    assert.equal(r.status, 303, await r.clone().text());
    assert.equal(r.headers.get('location'), `${HTTP_URL}/requests?status=active`);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal(cookieOf(r, 'lease_login').attributes.get('max-age'), '0');
    const session = cookieOf(r, 'lease_session');
    assert.ok(session.attributes.has('httponly'));
    const me = await ctx.request('/api/v1/whoami', { headers: { cookie: `lease_session=${session.value}` } });
    assert.deepEqual(await me.json(), { id: 'u-carol' });
  });

  it('ends a session from an SSO login on logout, like a password one', async (t) => {
    const ctx = await setup(t);
    const { loginHeader, finish } = await startWebLogin(ctx);
    const r = await ctx.request(`${finish.pathname}${finish.search}`, { headers: { cookie: loginHeader } });
    const cookie = `lease_session=${cookieOf(r, 'lease_session').value}`;
    const { csrf_token } = (await (await ctx.request('/api/v1/auth/csrf', { headers: { cookie } })).json()) as { csrf_token: string };
    assert.equal((await ctx.request('/api/v1/auth/logout', { method: 'POST', headers: { cookie, 'x-csrf-token': csrf_token } })).status, 200);
    const after = await ctx.request('/api/v1/whoami', { headers: { cookie } });
    assert.equal(after.status, 401);
    assert.equal(await errorCode(after), 'session_revoked');
  });

  it('refuses a return_to that leaves the server (open redirect), before going to the IdP', async (t) => {
    const { request } = await setup(t);
    for (const returnTo of ['https://evil.example/', '//evil.example/', '/\\evil.example', 'evil.example']) {
      const r = await request(`/api/v1/auth/corp/web-login?return_to=${encodeURIComponent(returnTo)}`);
      assert.equal(r.status, 400, returnTo);
      assert.equal(await errorCode(r), 'invalid_return_to');
      assert.deepEqual(r.headers.getSetCookie(), []);
    }
  });

  it('refuses to finish a login in a browser that did not start it (login CSRF)', async (t) => {
    const ctx = await setup(t);
    const { finish } = await startWebLogin(ctx);
    const r = await ctx.request(`${finish.pathname}${finish.search}`);
    assert.equal(r.status, 400);
    assert.equal(await errorCode(r), 'login_not_started_here');
    assert.ok(!cookiesOf(r).some((c) => c.name === 'lease_session'));
  });

  it('refuses a code from someone else\'s login even in a browser with a login of its own', async (t) => {
    const ctx = await setup(t);
    const victim = await startWebLogin(ctx);
    const attacker = await startWebLogin(ctx);
    const r = await ctx.request(`${attacker.finish.pathname}${attacker.finish.search}`, { headers: { cookie: victim.loginHeader } });
    assert.equal(r.status, 400);
    assert.equal(await errorCode(r), 'invalid_login_code');
    assert.ok(!cookiesOf(r).some((c) => c.name === 'lease_session'));
  });

  it('reports a login that failed at the IdP as 401 login_failed', async (t) => {
    const ctx = await setup(t);
    const r = await ctx.request('/api/v1/auth/local/web-login');
    assert.equal(r.status, 404, 'a password provider has no web login');
    const started = await ctx.request('/api/v1/auth/corp/web-login');
    const idp = new URL(started.headers.get('location') as string);
    const failed = new URL(await ctx.logins.callback('corp', new URLSearchParams({ error: 'access_denied', state: idp.searchParams.get('state') as string })));
    const login = cookieOf(started, 'lease_login');
    const finish = await ctx.request(`${failed.pathname}${failed.search}`, { headers: { cookie: `${login.name}=${login.value}` } });
    assert.equal(finish.status, 401);
    assert.equal(await errorCode(finish), 'login_failed');
    assert.equal(cookieOf(finish, 'lease_login').attributes.get('max-age'), '0', 'the login cookie is cleared');
  });

  it('uses __Host-lease_login with Secure on an https server', async (t) => {
    const ctx = await setup(t, HTTPS_URL);
    const { login, loginHeader, finish } = await startWebLogin(ctx);
    assert.equal(login.name, '__Host-lease_login');
    assert.ok(login.attributes.has('secure'));
    const r = await ctx.request(`${finish.pathname}${finish.search}`, { headers: { cookie: loginHeader } });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), `${HTTPS_URL}/requests?status=active`);
    assert.ok(cookieOf(r, '__Host-lease_session').attributes.has('secure'));
  });
});
