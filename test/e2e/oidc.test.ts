// OIDC login end to end, with real processes: a real OpenID provider (oidc-provider on
// loopback), the real `lease server` and `lease login --no-browser`, and a test browser that
// follows the redirects: CLI → IdP → Lease callback → the CLI's loopback listener.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { VaultSessionStore } from '../../src/agent/index.js';
import { hopParams, visitAs } from '../support/browser.js';
import { leaseJson, runLease, startServer, tempDir, writeFiles, type CliResult, type ServerProcess, startBrowserLogin } from '../support/lease-process.js';
import { leaseConfigFor, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';

/** An address nobody listens on: API-level tests read the redirect to it and never follow it. */
const NOWHERE = 'http://127.0.0.1:9/callback';

interface Started {
  login_url: string;
  attempt: string;
}

describe('OIDC login (real OpenID provider, real server and CLI)', () => {
  let idp: TestOidcProvider;
  let server: ServerProcess;
  let root: { path: string; cleanup: () => Promise<void> };
  const secret = `oidc-secret-${randomBytes(16).toString('hex')}`;
  /** Everything that must never appear in the server's output. */
  const secrets = new Set<string>([secret]);
  const home = (user: string) => join(root.path, 'home', user);
  const callbackPrefix = () => `${server.url}/api/v1/auth/corp/callback`;

  before(async () => {
    idp = await startOidcProvider({
      accounts: [
        { sub: 'u-alice', email: 'alice@corp.example', name: 'Alice Liddell', groups: ['eng', 'oncall'] },
        { sub: 'u-carol', email: 'carol@corp.example', name: 'Carol', groups: ['sales'] },
      ],
    });
    root = await tempDir('lease-oidc-');
    await writeFiles(root.path, {
      'config/sso.yaml': leaseConfigFor(idp),
      'config/providers.yaml': `version: "1.0"
providers:
  box:
    name: This host
    provider: sudo
    config:
      sudoers_dir: ${JSON.stringify(join(root.path, 'sudoers.d'))}
      visudo: false
      accounts: { u-alice: alice, u-carol: carol }
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
  sales-report:
    name: Sales report
    description: Only for sales
    permissions:
      allow: [/usr/bin/id]
    scopes:
      groups: [sales]
    providers: [box]
    max_duration: 1h
`,
    });
    server = await startServer({ config: join(root.path, 'config'), data: join(root.path, 'data'), env: { LEASE_OIDC_SECRET: secret } });
    // The IdP learns the callback once the server's port is known.
    idp.registerClient({ client_id: 'lease', client_secret: secret, redirect_uris: [callbackPrefix()] });
  });

  after(async () => {
    await server?.stop();
    await idp?.stop();
    await root?.cleanup();
  });

  /** Starts `lease login --provider corp --no-browser`; resolves with the URL it printed. */
  function startCliLogin(user: string): Promise<{ loginUrl: string; exit: Promise<CliResult> }> {
    return startBrowserLogin({ serverUrl: server.url, provider: 'corp', home: home(user) });
  }

  async function post(path: string, body: unknown): Promise<Response> {
    return fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  async function startAttempt(redirect = NOWHERE): Promise<Started> {
    const r = await post('/api/v1/auth/corp/start', { redirect });
    assert.equal(r.status, 200, await r.clone().text());
    return (await r.json()) as Started;
  }

  /** Logs in at the IdP; returns the IdP's redirect to Lease's callback, not yet followed. */
  async function idpAnswer(started: Started, sub = 'u-alice'): Promise<URL> {
    const visit = await visitAs(idp, sub, started.login_url, { stopBefore: (next) => next.href.startsWith(callbackPrefix()) });
    assert.ok(visit.stoppedBefore, `the IdP redirected to Lease (stopped at ${visit.url.href}, status ${visit.response.status})`);
    const idpCode = visit.stoppedBefore.searchParams.get('code');
    assert.ok(idpCode, 'the IdP answered with an authorization code');
    secrets.add(idpCode);
    return visit.stoppedBefore;
  }

  /** Presents the IdP's answer to Lease's callback; returns Lease's redirect target. */
  async function leaseCallback(answer: URL): Promise<Response> {
    return fetch(answer, { redirect: 'manual' });
  }

  /** start → IdP → callback: the one-time code Lease sends to the CLI's loopback. */
  async function exchangeCodeFor(started: Started): Promise<string> {
    const r = await leaseCallback(await idpAnswer(started));
    assert.equal(r.status, 303);
    const location = new URL(r.headers.get('location') as string);
    assert.equal(`${location.origin}${location.pathname}`, NOWHERE);
    const code = location.searchParams.get('code') as string;
    secrets.add(code);
    return code;
  }

  async function exchange(attempt: string, code: string): Promise<Response> {
    const r = await post('/api/v1/auth/corp/exchange', { attempt, code });
    if (r.ok) secrets.add(((await r.clone().json()) as { token: string }).token);
    return r;
  }

  it('logs in with the CLI through the browser flow; whoami shows email, name, groups and provider', async () => {
    const { loginUrl, exit } = await startCliLogin('alice');
    assert.ok(loginUrl.startsWith(`${idp.issuer}/`), loginUrl);
    assert.equal(new URL(loginUrl).searchParams.get('redirect_uri'), callbackPrefix());
    const visit = await visitAs(idp, 'u-alice', loginUrl);
    assert.equal(visit.url.hostname, '127.0.0.1');
    assert.equal(visit.url.pathname, '/callback', 'the last hop is the CLI loopback callback');
    assert.equal(visit.response.status, 200);
    assert.ok(visit.hops.some((h) => h.href.startsWith(callbackPrefix())), 'the browser passed through Lease\'s callback');
    for (const code of hopParams(visit, ['code'])) secrets.add(code);

    const result = await exit;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Logged in to .* as alice@corp\.example/);
    // The token the CLI sealed in its vault, so the log scan below looks for it too.
    const stored = await new VaultSessionStore(home('alice')).get(server.url);
    assert.ok(stored, 'the session is in the vault');
    secrets.add(stored.token);

    const me = await leaseJson<Record<string, unknown>>(['whoami', '--json'], { LEASE_HOME: home('alice') });
    assert.equal(me.email, 'alice@corp.example');
    assert.equal(me.name, 'Alice Liddell');
    assert.deepEqual(me.groups, ['eng', 'oncall']);
    assert.equal(me.provider, 'corp');
    assert.equal(me.id, 'u-alice');
    assert.equal(me.server, server.url);
    assert.ok(!Number.isNaN(Date.parse(me.expires_at as string)));
  });

  it('lets the groups claim drive role scope: an in-group role is granted, another refused with not_in_scope', async () => {
    const env = { LEASE_HOME: home('alice') };
    const granted = await leaseJson<{ status: string }>(['request', '--role', 'eng-debug', '--provider', 'box', '--duration', '10m', '--reason', 'INC-7 logs', '--wait', '--json'], env);
    assert.equal(granted.status, 'active');
    const refused = await runLease(['request', '--role', 'sales-report', '--provider', 'box', '--duration', '10m', '--reason', 'curious', '--json'], { env });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /\[not_in_scope\]/);
  });

  it('fails the CLI login, storing nothing, when the user does not log in at the IdP', async () => {
    const { loginUrl, exit } = await startCliLogin('nobody');
    const visit = await visitAs(idp, 'not-an-account', loginUrl);
    assert.equal(visit.url.pathname, '/callback', 'the browser still ends at the CLI loopback, with an error');
    const result = await exit;
    assert.equal(result.code, 1);
    assert.match(result.stderr, /login failed at the identity provider \[login_failed\]/);
    const whoami = await runLease(['whoami', '--json'], { env: { LEASE_HOME: home('nobody') } });
    assert.notEqual(whoami.code, 0);
    assert.match(server.output, /"reason":"access_denied"/);
  });

  it('refuses a replayed state at the callback', async () => {
    const answer = await idpAnswer(await startAttempt());
    assert.equal((await leaseCallback(answer)).status, 303);
    const replay = await leaseCallback(answer);
    assert.equal(replay.status, 400);
    assert.equal(((await replay.json()) as { error: { code: string } }).error.code, 'invalid_state');
  });

  it('refuses a callback with a state it never issued', async () => {
    const answer = await idpAnswer(await startAttempt());
    answer.searchParams.set('state', randomBytes(32).toString('base64url'));
    const r = await leaseCallback(answer);
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'invalid_state');
  });

  it('refuses a replayed exchange code', async () => {
    const started = await startAttempt();
    const code = await exchangeCodeFor(started);
    const first = await exchange(started.attempt, code);
    assert.equal(first.status, 200);
    const body = (await first.json()) as { identity: { groups: string[]; provider: string } };
    assert.deepEqual(body.identity.groups, ['eng', 'oncall']);
    assert.equal(body.identity.provider, 'corp');
    const replay = await exchange(started.attempt, code);
    assert.equal(replay.status, 400);
    assert.equal(((await replay.json()) as { error: { code: string } }).error.code, 'invalid_login_code');
  });

  it('refuses a code from another login attempt', async () => {
    const mine = await startAttempt();
    const theirs = await startAttempt();
    const theirCode = await exchangeCodeFor(theirs);
    const r = await exchange(mine.attempt, theirCode);
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'invalid_login_code');
  });

  it('refuses to start a login that would redirect anywhere but a loopback listener (open redirect)', async () => {
    for (const redirect of ['https://evil.example/cb', 'http://evil.example:8080/cb', 'http://127.0.0.1.evil.example:8080/cb', 'http://127.0.0.1@evil.example:8080/cb', 'http://localhost:8080/cb']) {
      const r = await post('/api/v1/auth/corp/start', { redirect });
      assert.equal(r.status, 400, redirect);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'invalid_redirect', redirect);
    }
  });

  it('does not start a browser login on a provider that is not OIDC', async () => {
    const r = await post('/api/v1/auth/box/start', { redirect: NOWHERE });
    assert.equal(r.status, 404);
  });

  it('never writes an authorization code, session token or client secret to the server output', async () => {
    assert.match(server.output, /login succeeded/, 'logins were logged');
    assert.match(server.output, /login failed/, 'refusals were logged');
    assert.ok(secrets.size >= 8, `collected ${secrets.size} secrets to look for`);
    for (const s of secrets) assert.ok(!server.output.includes(s), `server output contains a secret (${s.slice(0, 6)}…)`);
  });
});
