// The web session end to end: the real `lease server`, real Chromium (Debian's, through
// playwright-core) and a real OpenID provider. The browser logs in through the server's page,
// its own fetches need the CSRF token, and pages on another origin — served by a second local
// HTTP server — cannot change anything with the user's cookie. Some checks need no browser and
// use plain HTTP, so they run even where Chromium is missing.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { TestBrowser, visitAs } from '../support/browser.js';
import { CHROMIUM_HOW_TO_GET, chromiumAvailable, launchChromium } from '../support/chromium.js';
import { startServer, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { leaseConfigFor, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { requireComponent } from '../support/require-component.js';
import { createDeployment, PASSWORDS, type Deployment } from './fixtures.js';

interface RequestJson {
  id: string;
  status: string;
  reason: string;
}

/** A second web server, on another origin: serves the attacker's pages (path → HTML). */
async function startOtherSite(): Promise<{ port: number; pages: Map<string, string>; stop: () => Promise<void> }> {
  const pages = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const page = pages.get(req.url ?? '');
    res.writeHead(page === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' }).end(page ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.address() as AddressInfo).port, pages, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * A form that posts `json` as text/plain the moment the page loads: the classic CSRF that
 * needs no JavaScript access to the target. The body is `<name>=<value>`, so the name carries
 * the JSON up to its last string value and the value closes it (that string ends with "=").
 */
function autoPostingForm(action: string, json: string): string {
  const cut = json.lastIndexOf('"');
  const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/'/g, '&#39;');
  return `<!doctype html><form id="f" method="POST" action="${action}" enctype="text/plain"><input type="hidden" name='${attr(json.slice(0, cut))}' value='${attr(json.slice(cut))}'></form><script>document.getElementById('f').submit()</script>`;
}

describe('web session: cookie and CSRF (real server, Chromium, OpenID provider)', () => {
  let deployment: Deployment;
  let server: ServerProcess;
  let idp: TestOidcProvider;
  let other: Awaited<ReturnType<typeof startOtherSite>>;
  let browser: Browser | undefined;
  /** Alice's browser, logged in through the page; shared by the tests in order. */
  let alice: { context: BrowserContext; page: Page } | undefined;
  const oidcSecret = `oidc-secret-${randomBytes(16).toString('hex')}`;
  /** Everything that must never appear in the server's output. */
  const secrets = new Set<string>([oidcSecret, PASSWORDS.alice, PASSWORDS.bob]);

  before(async () => {
    idp = await startOidcProvider({ accounts: [{ sub: 'u-carol', email: 'carol@corp.example', name: 'Carol Corp', groups: ['eng'] }] });
    deployment = await createDeployment({ visudo: false });
    await writeFiles(deployment.root, { 'config/sso.yaml': leaseConfigFor(idp) });
    server = await startServer({ config: deployment.config, data: deployment.data, env: { LEASE_OIDC_SECRET: oidcSecret } });
    idp.registerClient({ client_id: 'lease', client_secret: oidcSecret, redirect_uris: [`${server.url}/api/v1/auth/corp/callback`] });
    other = await startOtherSite();
    if (chromiumAvailable()) browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await other?.stop();
    await server?.stop();
    await idp?.stop();
    await deployment?.cleanup();
  });

  /** The browser, or undefined when Chromium is missing (the test is then skipped, or fails under CI). */
  function chromiumFor(t: TestContext): Browser | undefined {
    return requireComponent(t, 'Chromium', browser !== undefined, CHROMIUM_HOW_TO_GET) ? browser : undefined;
  }

  /** Alice's session cookie as Chromium holds it, for checks made from the test itself. */
  async function aliceCookie(): Promise<string> {
    const cookie = (await alice?.context.cookies(server.url))?.find((c) => c.name === 'lease_session');
    assert.ok(cookie, 'alice has a session cookie');
    secrets.add(cookie.value);
    return `lease_session=${cookie.value}`;
  }

  async function aliceRequests(): Promise<RequestJson[]> {
    const r = await fetch(`${server.url}/api/v1/requests`, { headers: { cookie: await aliceCookie() } });
    assert.equal(r.status, 200);
    return ((await r.json()) as { requests: RequestJson[] }).requests;
  }

  async function cookieLogin(user: keyof typeof PASSWORDS): Promise<{ cookie: string; csrf: string }> {
    const r = await fetch(`${server.url}/api/v1/auth/local/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user, password: PASSWORDS[user], mode: 'cookie' }),
    });
    assert.equal(r.status, 200, await r.clone().text());
    const [setCookie = ''] = r.headers.getSetCookie();
    const cookie = setCookie.split(';')[0] as string;
    const csrf = ((await r.json()) as { csrf_token: string }).csrf_token;
    secrets.add(cookie.split('=')[1] as string).add(csrf);
    return { cookie, csrf };
  }

  const debugRequest = (reason: string) => ({ role: 'debug', provider: 'box', duration: '10m', reason });

  it('over plain HTTP: a cookie login creates a request with the CSRF header (201), not without it (403)', async () => {
    const { cookie, csrf } = await cookieLogin('alice');
    assert.match(cookie, /^lease_session=/);
    const fromCsrf = await fetch(`${server.url}/api/v1/auth/csrf`, { headers: { cookie } });
    assert.equal(fromCsrf.status, 200);
    assert.equal(((await fromCsrf.json()) as { csrf_token: string }).csrf_token, csrf);

    const post = (headers: Record<string, string>, body: string) => fetch(`${server.url}/api/v1/requests`, { method: 'POST', headers: { cookie, ...headers }, body });
    const without = await post({ 'content-type': 'application/json' }, JSON.stringify(debugRequest('no token')));
    assert.equal(without.status, 403);
    assert.equal(((await without.json()) as { error: { code: string } }).error.code, 'csrf_token_invalid');
    const wrong = await post({ 'content-type': 'application/json', 'x-csrf-token': csrf.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A')) }, JSON.stringify(debugRequest('wrong token')));
    assert.equal(wrong.status, 403);
    const created = await post({ 'content-type': 'application/json', 'x-csrf-token': csrf }, JSON.stringify(debugRequest('INC-1 with token')));
    assert.equal(created.status, 201, await created.clone().text());
    // The very body the attacker's text/plain form sends below is a valid request: only the
    // cookie rules stop it there.
    const formBody = autoPostingBody(debugRequest('form body with the token'));
    const sameBody = await post({ 'content-type': 'text/plain', 'x-csrf-token': csrf }, formBody);
    assert.equal(sameBody.status, 201, await sameBody.clone().text());
  });

  it('refuses a return_to that leaves the server (open redirect) and a web-finish in a browser that did not start the login', async () => {
    for (const returnTo of ['https://evil.example/', '//evil.example/', '/\\evil.example']) {
      const r = await fetch(`${server.url}/api/v1/auth/corp/web-login?return_to=${encodeURIComponent(returnTo)}`, { redirect: 'manual' });
      assert.equal(r.status, 400, returnTo);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'invalid_return_to');
    }
    // The attacker logs in as themselves and stops before web-finish; the victim's browser
    // (with no login of its own) is then sent there: login CSRF.
    const attacker = await visitAs(idp, 'u-carol', `${server.url}/api/v1/auth/corp/web-login`, { stopBefore: (next) => next.pathname.endsWith('/web-finish') });
    assert.ok(attacker.stoppedBefore, `stopped before web-finish (at ${attacker.url.href}, ${attacker.response.status})`);
    secrets.add(attacker.stoppedBefore.searchParams.get('code') as string);
    const victim = await new TestBrowser().visit(attacker.stoppedBefore);
    assert.equal(victim.response.status, 400);
    assert.equal(((await victim.response.json()) as { error: { code: string } }).error.code, 'login_not_started_here');
  });

  it('logs in through the web page; the session cookie is HttpOnly, SameSite=Lax, not Secure on loopback http, hidden from scripts', async (t) => {
    const chromium = chromiumFor(t);
    if (!chromium) return;
    const context = await chromium.newContext();
    const page = await context.newPage();
    alice = { context, page };
    await page.goto(`${server.url}/`);
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', PASSWORDS.alice);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#who:has-text("Alice")');
    assert.match((await page.textContent('#who')) ?? '', /Alice <alice@example\.com> via local/);
    const cookies = await context.cookies(server.url);
    const session = cookies.find((c) => c.name === 'lease_session');
    assert.ok(session, JSON.stringify(cookies.map((c) => c.name)));
    secrets.add(session.value);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    assert.equal(session.secure, false);
    assert.equal(session.path, '/');
    assert.ok(session.expires > Date.now() / 1000 + 3000, 'Max-Age: the session lifetime (1 h)');
    assert.ok(!(await page.evaluate(() => document.cookie)).includes('lease_session'), 'page scripts cannot read the session cookie');
  });

  it('the page\'s own fetches create a request with the CSRF header (201) and are refused without it (403)', async (t) => {
    if (!chromiumFor(t) || !alice) return;
    // No helper functions inside evaluate: tsx's keepNames would wrap them in a __name() the page lacks.
    const results = await alice.page.evaluate(async (body) => {
      const { csrf_token } = (await (await fetch('api/v1/auth/csrf')).json()) as { csrf_token: string };
      const answers: { status: number; body: unknown }[] = [];
      const headerSets: Record<string, string>[] = [{}, { 'x-csrf-token': csrf_token }];
      for (const headers of headerSets) {
        const r = await fetch('api/v1/requests', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
        answers.push({ status: r.status, body: await r.json() });
      }
      return { csrf_token, without: answers[0], with: answers[1] };
    }, debugRequest('INC-2 from the page'));
    secrets.add(results.csrf_token);
    assert.ok(results.without && results.with);
    assert.equal(results.without.status, 403);
    assert.equal((results.without.body as { error: { code: string } }).error.code, 'csrf_token_invalid');
    assert.equal(results.with.status, 201, JSON.stringify(results.with.body));
    const id = (results.with.body as RequestJson).id;
    const active = await fetch(`${server.url}/api/v1/requests/${id}?until=active&timeout=15`, { headers: { cookie: await aliceCookie() } });
    assert.equal(((await active.json()) as RequestJson).status, 'active');
  });

  it('a page on another origin cannot create or revoke with the user\'s cookie, nor read the CSRF token, nor log the browser in as someone else', async (t) => {
    if (!chromiumFor(t) || !alice) return;
    const before = await aliceRequests();
    const target = before.find((r) => r.reason === 'INC-2 from the page' && r.status === 'active');
    assert.ok(target, 'the request from the previous test is active');
    other.pages.set('/create', autoPostingForm(`${server.url}/api/v1/requests`, JSON.stringify(debugRequest('csrf-attack'))));
    other.pages.set('/revoke', autoPostingForm(`${server.url}/api/v1/requests/${target.id}/revoke`, JSON.stringify({ reason: 'csrf-attack' })));
    other.pages.set('/login', autoPostingForm(`${server.url}/api/v1/auth/local/login`, JSON.stringify({ username: 'bob', mode: 'cookie', password: PASSWORDS.bob })));
    other.pages.set('/read', '<!doctype html><title>reader</title>');
    // localhost is another site than 127.0.0.1 (SameSite=Lax keeps the cookie home);
    // 127.0.0.1:<other port> is the same site but another origin (the cookie goes; the server refuses).
    const sites = { 'cross-site': `http://localhost:${other.port}`, 'same-site': `http://127.0.0.1:${other.port}` };
    const page = await alice.context.newPage();
    for (const [kind, base] of Object.entries(sites)) {
      for (const path of ['/create', '/revoke', '/login']) {
        const [answer] = await Promise.all([page.waitForResponse((r) => r.url().startsWith(server.url)), page.goto(`${base}${path}`)]);
        const expected = kind === 'cross-site' ? (path === '/login' ? [403] : [401]) : [403];
        assert.ok(expected.includes(answer.status()), `${kind} ${path}: ${answer.status()} ${await answer.text()}`);
      }
      await page.goto(`${base}/read`);
      const read = await page.evaluate(async (url) => {
        try {
          const r = await fetch(`${url}/api/v1/auth/csrf`, { credentials: 'include' });
          return `read ${r.status}`;
        } catch {
          return 'blocked';
        }
      }, server.url);
      assert.equal(read, 'blocked', `${kind}: the CSRF token is not readable from another origin`);
      // A blind no-cors POST: the answer is opaque (or blocked outright); only the server's state tells.
      await page.evaluate(async ({ url, body }) => {
        try {
          await fetch(`${url}/api/v1/requests`, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body });
        } catch {
          // blocked by the browser: as good as refused
        }
      }, { url: server.url, body: autoPostingBody(debugRequest('csrf-attack')) });
    }
    await page.close();
    const afterwards = await aliceRequests();
    assert.equal(afterwards.length, before.length, 'no request was created');
    assert.ok(!afterwards.some((r) => r.reason.startsWith('csrf-attack')));
    assert.equal(afterwards.find((r) => r.id === target.id)?.status, 'active', 'the request was not revoked');
    await alice.page.reload();
    await alice.page.waitForSelector('#who:has-text("Alice")');
  });

  it('revokes a request with the page\'s Revoke button', async (t) => {
    if (!chromiumFor(t) || !alice) return;
    const target = (await aliceRequests()).find((r) => r.reason === 'INC-2 from the page');
    assert.ok(target);
    await alice.page.reload();
    await alice.page.click(`li[data-id="${target.id}"] button`);
    const ended = await fetch(`${server.url}/api/v1/requests/${target.id}?until=revoked&timeout=15`, { headers: { cookie: await aliceCookie() } });
    assert.equal(((await ended.json()) as RequestJson).status, 'revoked');
  });

  it('logs out from the page: the cookie is gone, the page asks to log in again, and the old cookie no longer works (session_revoked)', async (t) => {
    if (!chromiumFor(t) || !alice) return;
    const before = await aliceCookie();
    await alice.page.click('#logout');
    await alice.page.waitForSelector('#login', { state: 'visible' });
    assert.ok(!(await alice.context.cookies(server.url)).some((c) => c.name === 'lease_session'));
    const status = await alice.page.evaluate(async () => (await fetch('api/v1/requests')).status);
    assert.equal(status, 401);
    // The cookie's token was ended on the server: a copy of it (stolen before the logout) is refused.
    const replayed = await fetch(`${server.url}/api/v1/requests`, { headers: { cookie: before } });
    assert.equal(replayed.status, 401);
    assert.equal(((await replayed.json()) as { error: { code: string } }).error.code, 'session_revoked');
    await alice.context.close();
  });

  it('logs in through OIDC with web-login and lands on return_to with a session cookie', async (t) => {
    const chromium = chromiumFor(t);
    if (!chromium) return;
    const context = await chromium.newContext();
    const page = await context.newPage();
    idp.nextLogin = 'u-carol';
    await page.goto(`${server.url}/api/v1/auth/corp/web-login?return_to=${encodeURIComponent('/?from=sso')}`);
    await page.waitForSelector('#who:has-text("Carol")');
    assert.equal(page.url(), `${server.url}/?from=sso`);
    assert.match((await page.textContent('#who')) ?? '', /Carol Corp <carol@corp\.example> via corp/);
    const cookies = await context.cookies(server.url);
    const session = cookies.find((c) => c.name === 'lease_session');
    assert.ok(session?.httpOnly);
    secrets.add(session.value);
    assert.ok(!cookies.some((c) => c.name === 'lease_login'), 'the login cookie is cleared');
    await context.close();
  });

  it('never writes a session token, CSRF token, cookie or password to the server output', () => {
    assert.match(server.output, /login succeeded/);
    for (const s of secrets) assert.ok(!server.output.includes(s), `server output contains a secret (${s.slice(0, 6)}…)`);
  });
});

/** The exact body autoPostingForm's text/plain form sends for `request`. */
function autoPostingBody(request: object): string {
  const json = JSON.stringify(request);
  const cut = json.lastIndexOf('"');
  return `${json.slice(0, cut)}=${json.slice(cut)}`;
}
