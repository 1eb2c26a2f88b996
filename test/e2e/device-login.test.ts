// Device login (RFC 8628) end to end, with real processes: a real OpenID provider (oidc-provider on
// loopback), the real `lease server` and `lease login --device`. The test reads the URL and the
// code the CLI printed and plays the person at another computer: opens the device page, checks
// the code, posts the form (cookie + form token), follows the redirects through the IdP and back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { VaultSessionStore } from '../../src/agent/index.js';
import { hopParams, visitAs } from '../support/browser.js';
import { leaseJson, runLease, startDeviceLogin, startServer, tempDir, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { leaseConfigFor, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';

/** The device page as a browser sees it: its HTML, this browser's cookie, and the form token. */
async function openDevicePage(url: string): Promise<{ status: number; html: string; cookie: string; token: string }> {
  const r = await fetch(url, { redirect: 'manual' });
  const html = await r.text();
  const cookie = (r.headers.getSetCookie()[0] ?? '').split(';')[0] as string;
  const token = /name="form_token" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return { status: r.status, html, cookie, token };
}

describe('device login (real OpenID provider, real server and CLI)', () => {
  let idp: TestOidcProvider;
  let server: ServerProcess;
  let root: { path: string; cleanup: () => Promise<void> };
  const secret = `oidc-secret-${randomBytes(16).toString('hex')}`;
  /** Everything that must never appear in the server's output. */
  const secrets = new Set<string>([secret]);
  const home = (user: string) => join(root.path, 'home', user);
  const callbackUrl = () => `${server.url}/api/v1/auth/corp/callback`;

  before(async () => {
    idp = await startOidcProvider({ accounts: [{ sub: 'u-alice', email: 'alice@corp.example', name: 'Alice Liddell', groups: ['eng', 'oncall'] }] });
    root = await tempDir('lease-device-');
    await writeFiles(root.path, {
      'config/sso.yaml': leaseConfigFor(idp),
      // The tests' requests come straight from 127.0.0.1; one test speaks as a proxy there.
      'config/server.yaml': `version: "1.0"
server:
  trusted_proxies: [127.0.0.1]
`,
      'config/providers.yaml': `version: "1.0"
providers:
  box:
    name: This host
    provider: sudo
    config:
      sudoers_dir: ${JSON.stringify(join(root.path, 'sudoers.d'))}
      visudo: false
      accounts: { u-alice: alice }
`,
      'config/roles.yaml': `version: "1.0"
roles:
  eng-debug:
    name: Engineering debug
    description: Read logs
    permissions:
      allow: [/usr/bin/journalctl]
    scopes:
      groups: ["corp:eng"]
    providers: [box]
    max_duration: 1h
`,
    });
    server = await startServer({ config: join(root.path, 'config'), data: join(root.path, 'data'), env: { LEASE_OIDC_SECRET: secret } });
    idp.registerClient({ client_id: 'lease', client_secret: secret, redirect_uris: [callbackUrl()] });
  });

  after(async () => {
    await server?.stop();
    await idp?.stop();
    await root?.cleanup();
  });

  /** Posts the device page's form as the browser that opened it. */
  async function submit(page: { cookie: string; token: string }, userCode: string, action: 'confirm' | 'deny'): Promise<Response> {
    return fetch(`${server.url}/device`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: page.cookie, origin: new URL(server.url).origin },
      body: new URLSearchParams({ user_code: userCode, form_token: page.token, action }).toString(),
    });
  }

  it('logs in a headless CLI through the device page; whoami shows the IdP\'s email and groups', async () => {
    const cli = await startDeviceLogin({ serverUrl: server.url, provider: 'corp', home: home('alice') });
    secrets.add(cli.code);
    assert.match(cli.code, /^[A-Z]{4}-[A-Z]{4}$/);
    assert.equal(new URL(cli.url).origin + new URL(cli.url).pathname, `${server.url}/device`);

    const page = await openDevicePage(cli.url);
    assert.equal(page.status, 200);
    assert.ok(page.html.includes(cli.code), 'the page shows the code being authorised');
    assert.ok(page.html.includes('Corp SSO') && page.html.includes(server.url), 'and where and through whom');
    assert.match(page.cookie, /^lease_device=/);

    const confirmed = await submit(page, cli.code, 'confirm');
    assert.equal(confirmed.status, 303);
    const loginUrl = confirmed.headers.get('location') as string;
    assert.ok(loginUrl.startsWith(`${idp.issuer}/`), loginUrl);

    const visit = await visitAs(idp, 'u-alice', loginUrl);
    assert.ok(visit.hops.some((h) => h.href.startsWith(callbackUrl())), 'the browser passed through Lease\'s callback');
    assert.match(visit.url.pathname, /^\/device\/complete\//);
    assert.equal(visit.response.status, 200);
    assert.match(await visit.response.text(), /logged in as <strong>alice@corp\.example<\/strong>.*close this window/s);
    for (const value of hopParams(visit, ['code', 'state'])) secrets.add(value);

    const result = await cli.exit;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Logged in to .* as alice@corp\.example/);
    const stored = await new VaultSessionStore(home('alice')).get(server.url);
    assert.ok(stored, 'the session is in the vault');
    secrets.add(stored.token);

    const me = await leaseJson<Record<string, unknown>>(['whoami', '--json'], { LEASE_HOME: home('alice') });
    assert.equal(me.email, 'alice@corp.example');
    assert.deepEqual(me.groups, ['eng', 'oncall']);
    assert.equal(me.provider, 'corp');
    assert.match(server.output, /"method":"device".*"login succeeded"|"login succeeded".*"method":"device"/);
  });

  it('ends a device-login session on lease logout: its token answers 401 session_revoked', async () => {
    const stored = await new VaultSessionStore(home('alice')).get(server.url);
    assert.ok(stored, 'the session of the previous test');
    const probe = () => fetch(`${server.url}/api/v1/requests`, { headers: { authorization: `Bearer ${stored.token}` } });
    assert.equal((await probe()).status, 200);
    const out = await runLease(['logout', '--server', server.url], { env: { LEASE_HOME: home('alice') } });
    assert.equal(out.code, 0, out.stderr);
    const ended = await probe();
    assert.equal(ended.status, 401);
    assert.equal(((await ended.json()) as { error: { code: string } }).error.code, 'session_revoked');
  });

  it('fails the CLI when the person denies in the browser; with --json the URL and code go to stderr only', async () => {
    const cli = await startDeviceLogin({ serverUrl: server.url, provider: 'corp', home: home('denied'), json: true });
    secrets.add(cli.code);
    const page = await openDevicePage(cli.url);
    const denied = await submit(page, cli.code, 'deny');
    assert.equal(denied.status, 200);
    assert.match(await denied.text(), /Login denied/);
    const result = await cli.exit;
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '', 'stdout stays for the JSON document, which a failure does not print');
    assert.match(result.stderr, /denied in the browser/);
    const whoami = await runLease(['whoami', '--json'], { env: { LEASE_HOME: home('denied') } });
    assert.notEqual(whoami.code, 0);
  });

  it('refuses a form post without this browser\'s form token (CSRF), and one from another site', async () => {
    const r = await fetch(`${server.url}/api/v1/auth/corp/device`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const auth = (await r.json()) as { user_code: string; verification_uri_complete: string; device_code: string };
    secrets.add(auth.user_code);
    secrets.add(auth.device_code);
    const page = await openDevicePage(auth.verification_uri_complete);
    const forged = await submit({ cookie: '', token: page.token }, auth.user_code, 'confirm');
    assert.equal(forged.status, 403);
    const otherCookie = await submit({ cookie: `lease_device=${'x'.repeat(43)}`, token: page.token }, auth.user_code, 'confirm');
    assert.equal(otherCookie.status, 403);
    const crossSite = await fetch(`${server.url}/device`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: page.cookie, origin: 'https://evil.example' },
      body: new URLSearchParams({ user_code: auth.user_code, form_token: page.token, action: 'confirm' }).toString(),
    });
    assert.equal(crossSite.status, 403);
    assert.equal((await submit(page, auth.user_code, 'confirm')).status, 303, 'the genuine form still works');
  });

  it('answers the RFC 8628 errors at the token endpoint', async () => {
    const poll = async (device_code: string) => {
      const r = await fetch(`${server.url}/api/v1/auth/device/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ device_code }) });
      return { status: r.status, code: ((await r.json()) as { error?: { code: string } }).error?.code };
    };
    const r = await fetch(`${server.url}/api/v1/auth/corp/device`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const auth = (await r.json()) as { device_code: string; user_code: string; interval: number; expires_in: number };
    secrets.add(auth.device_code);
    secrets.add(auth.user_code);
    assert.equal(auth.interval, 5);
    assert.equal(auth.expires_in, 600);
    assert.deepEqual(await poll(auth.device_code), { status: 400, code: 'authorization_pending' });
    assert.deepEqual(await poll(auth.device_code), { status: 400, code: 'slow_down' });
    assert.deepEqual(await poll(randomBytes(32).toString('base64url')), { status: 400, code: 'invalid_grant' });
    const wrong = await fetch(`${server.url}/device?user_code=BBBB-BBBB`);
    assert.equal(wrong.status, 404);
    assert.match(await wrong.text(), /no pending login has this code/);
  });

  it('throttles wrong user codes per client address, read through a trusted proxy\'s X-Forwarded-For', async () => {
    const guess = (address: string) => fetch(`${server.url}/device?user_code=CCCC-CCCC`, { headers: { 'x-forwarded-for': address } });
    let status = 404;
    for (let i = 0; i < 30 && status === 404; i++) status = (await guess('198.51.100.7')).status;
    assert.equal(status, 429, 'one address runs out of guesses');
    assert.equal((await guess('198.51.100.7')).status, 429);
    assert.equal((await guess('198.51.100.8')).status, 404, 'another client behind the same proxy still may enter a code');
  });

  it('never writes a device code, user code, authorization code, session token or client secret to the server output', async () => {
    assert.match(server.output, /device login started/);
    assert.ok(secrets.size >= 8, `collected ${secrets.size} secrets to look for`);
    for (const s of secrets) {
      assert.ok(!server.output.includes(s), `server output contains a secret (${s.slice(0, 4)}…)`);
      if (/^[A-Z]{4}-[A-Z]{4}$/.test(s)) assert.ok(!server.output.includes(s.replace('-', '')), 'nor a user code without its dash');
    }
  });
});
