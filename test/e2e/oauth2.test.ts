// Plain OAuth 2.0 login end to end (Thand's `oauth2` and `oauth2.google` provider shapes), with
// real processes: oidc-provider on loopback used as a plain OAuth 2.0 server (its ID tokens are
// ignored; the identity comes from its userinfo endpoint), the real `lease server` and
// `lease login --no-browser`, and a test browser that follows the redirects.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { VaultSessionStore } from '../../src/agent/index.js';
import { hopParams, visitAs } from '../support/browser.js';
import { leaseJson, runLease, startBrowserLogin, startServer, tempDir, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';

/** An address nobody listens on: API-level tests read the redirect to it and never follow it. */
const NOWHERE = 'http://127.0.0.1:9/callback';

interface Started {
  login_url: string;
  attempt: string;
}

describe('OAuth 2.0 login (oauth2 and oauth2.google shapes; real authorization server, server and CLI)', () => {
  let idp: TestOidcProvider;
  let server: ServerProcess;
  let root: { path: string; cleanup: () => Promise<void> };
  const secret = `oauth2-secret-${randomBytes(16).toString('hex')}`;
  /** Everything that must never appear in the server's output. */
  const secrets = new Set<string>([secret]);
  const home = (user: string) => join(root.path, 'home', user);
  const callback = (provider: string) => `${server.url}/api/v1/auth/${provider}/callback`;

  before(async () => {
    idp = await startOidcProvider({
      accounts: [
        { sub: 'u-alice', email: 'alice@corp.example', name: 'Alice Liddell', groups: ['eng', 'oncall'] },
        { sub: 'u-bob', email: 'bob@corp.example', name: 'Bob', groups: ['sales'] },
      ],
    });
    root = await tempDir('lease-oauth2-');
    const client = `client:\n        id: lease\n        secret: \${LEASE_OAUTH_SECRET}`;
    await writeFiles(root.path, {
      // Thand's generic shape, endpoints relative to authority (+ Lease's endpoints.userinfo).
      'config/oauth.yaml': `version: "1.0"
providers:
  corp:
    name: Corp OAuth
    provider: oauth2
    config:
      authority: ${idp.issuer}
      endpoints:
        auth: /auth
        token: /token
        userinfo: /me
      grant: authorization_code
      ${client}
      scopes: [openid, email, profile, groups]
  broken:
    name: Userinfo that answers 404
    provider: oauth2
    config:
      authority: ${idp.issuer}
      endpoints: { auth: /auth, token: /token, userinfo: /no-such-userinfo }
      ${client}
  unreachable:
    name: Userinfo nobody answers
    provider: oauth2
    config:
      authority: ${idp.issuer}
      endpoints: { auth: /auth, token: /token, userinfo: "http://127.0.0.1:9/userinfo" }
      ${client}
`,
      // Thand's oauth2.google shape, its endpoints pointed at the test server (a Lease key).
      'config/google.yaml': `version: "1.0"
providers:
  google:
    name: Google
    provider: oauth2.google
    config:
      client_id: lease
      client_secret: \${LEASE_OAUTH_SECRET}
      scopes: [openid, email, profile]
      endpoints:
        auth: ${idp.issuer}/auth
        token: ${idp.issuer}/token
        userinfo: ${idp.issuer}/me
  google_as_shipped:
    name: Google without credentials (as Thand ships the example)
    provider: oauth2.google
    config:
      scopes: [email, profile]
`,
      'config/providers.yaml': `version: "1.0"
providers:
  box:
    name: This host
    provider: sudo
    config:
      sudoers_dir: ${JSON.stringify(join(root.path, 'sudoers.d'))}
      visudo: false
      accounts: { u-alice: alice, u-bob: bob }
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
    server = await startServer({ config: join(root.path, 'config'), data: join(root.path, 'data'), env: { LEASE_OAUTH_SECRET: secret } });
    idp.registerClient({ client_id: 'lease', client_secret: secret, redirect_uris: ['corp', 'broken', 'unreachable', 'google'].map(callback) });
  });

  after(async () => {
    await server?.stop();
    await idp?.stop();
    await root?.cleanup();
  });

  async function post(path: string, body: unknown): Promise<Response> {
    return fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  async function startAttempt(provider: string): Promise<Started> {
    const r = await post(`/api/v1/auth/${provider}/start`, { redirect: NOWHERE });
    assert.equal(r.status, 200, await r.clone().text());
    return (await r.json()) as Started;
  }

  /** Logs in at the IdP; returns the IdP's redirect to Lease's callback, not yet followed. */
  async function idpAnswer(provider: string, started: Started, sub = 'u-alice'): Promise<URL> {
    const visit = await visitAs(idp, sub, started.login_url, { stopBefore: (next) => next.href.startsWith(callback(provider)) });
    assert.ok(visit.stoppedBefore, `the IdP redirected to Lease (stopped at ${visit.url.href}, status ${visit.response.status})`);
    const code = visit.stoppedBefore.searchParams.get('code');
    assert.ok(code, 'the IdP answered with an authorization code');
    secrets.add(code);
    return visit.stoppedBefore;
  }

  /** Presents an answer to Lease's callback; returns where Lease sends the browser next. */
  async function leaseCallback(answer: URL): Promise<{ status: number; location?: URL; body?: { error: { code: string } } }> {
    const r = await fetch(answer, { redirect: 'manual' });
    if (r.status === 303) return { status: r.status, location: new URL(r.headers.get('location') as string) };
    return { status: r.status, body: (await r.json()) as { error: { code: string } } };
  }

  async function loginWithCli(provider: string, user: string, sub: string): Promise<Record<string, unknown>> {
    const { loginUrl, exit } = await startBrowserLogin({ serverUrl: server.url, provider, home: home(user) });
    assert.ok(loginUrl.startsWith(`${idp.issuer}/auth?`), loginUrl);
    assert.equal(new URL(loginUrl).searchParams.get('redirect_uri'), callback(provider));
    const visit = await visitAs(idp, sub, loginUrl);
    assert.equal(visit.url.pathname, '/callback', 'the last hop is the CLI loopback callback');
    for (const code of hopParams(visit, ['code'])) secrets.add(code);
    const result = await exit;
    assert.equal(result.code, 0, result.stderr);
    const stored = await new VaultSessionStore(home(user)).get(server.url);
    assert.ok(stored, 'the session is in the vault');
    secrets.add(stored.token);
    return leaseJson<Record<string, unknown>>(['whoami', '--json'], { LEASE_HOME: home(user) });
  }

  it("logs in with the CLI through Thand's oauth2 shape; whoami shows the userinfo identity", async () => {
    const me = await loginWithCli('corp', 'alice', 'u-alice');
    assert.equal(me.id, 'u-alice');
    assert.equal(me.email, 'alice@corp.example');
    assert.equal(me.name, 'Alice Liddell');
    assert.deepEqual(me.groups, ['eng', 'oncall']);
    assert.equal(me.provider, 'corp');
  });

  it('lets groups from userinfo drive role scope', async () => {
    const granted = await leaseJson<{ status: string }>(['request', '--role', 'eng-debug', '--provider', 'box', '--duration', '10m', '--reason', 'INC-9 logs', '--wait', '--json'], { LEASE_HOME: home('alice') });
    assert.equal(granted.status, 'active');
  });

  it("logs in with the CLI through Thand's oauth2.google shape (endpoints pointed at the test server)", async () => {
    const me = await loginWithCli('google', 'bob', 'u-bob');
    assert.equal(me.id, 'u-bob');
    assert.equal(me.email, 'bob@corp.example');
    assert.equal(me.provider, 'google');
  });

  it('loads a Google provider without credentials (with a warning) and refuses to start its login, saying why', async () => {
    assert.match(server.output, /google_as_shipped\.config\.client_id.*no client_id \/ client_secret/);
    const r = await post('/api/v1/auth/google_as_shipped/start', { redirect: NOWHERE });
    assert.equal(r.status, 502);
    const body = (await r.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'identity_provider_unavailable');
    assert.match(body.error.message, /no client_id is configured/);
  });

  it('refuses a callback with a state it never issued', async () => {
    const answer = await idpAnswer('corp', await startAttempt('corp'));
    answer.searchParams.set('state', randomBytes(32).toString('base64url'));
    const r = await leaseCallback(answer);
    assert.equal(r.status, 400);
    assert.equal(r.body?.error.code, 'invalid_state');
  });

  it('fails cleanly on a replayed authorization code (the IdP refuses it), no 500', async () => {
    const first = await startAttempt('corp');
    const answer = await idpAnswer('corp', first);
    assert.ok((await leaseCallback(answer)).location?.searchParams.get('code'), 'the first use logs in');
    // The same code under a fresh attempt's state: Lease redeems it at the IdP, which refuses.
    const second = await startAttempt('corp');
    const replay = new URL(answer);
    replay.searchParams.set('state', new URL(second.login_url).searchParams.get('state') as string);
    const r = await leaseCallback(replay);
    assert.equal(r.status, 303);
    assert.equal(r.location?.searchParams.get('error'), 'login_failed');
    assert.match(server.output, /"provider":"corp","reason":"invalid_grant"/);
  });

  it('fails cleanly when userinfo answers an error, no 500', async () => {
    const r = await leaseCallback(await idpAnswer('broken', await startAttempt('broken')));
    assert.equal(r.status, 303);
    assert.equal(r.location?.searchParams.get('error'), 'login_failed');
    assert.match(server.output, /"provider":"broken","reason":"userinfo_status_404"/);
  });

  it('says the IdP is unavailable when userinfo cannot be reached, no 500', async () => {
    const r = await leaseCallback(await idpAnswer('unreachable', await startAttempt('unreachable')));
    assert.equal(r.status, 303);
    assert.equal(r.location?.searchParams.get('error'), 'identity_provider_unavailable');
  });

  it('refuses a login that would redirect anywhere but a loopback listener', async () => {
    const r = await post('/api/v1/auth/corp/start', { redirect: 'https://evil.example/cb' });
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'invalid_redirect');
  });

  it('never writes an authorization code, access or session token or the client secret to the server output', async () => {
    assert.match(server.output, /login succeeded/);
    assert.match(server.output, /login failed/);
    assert.ok(secrets.size >= 6, `collected ${secrets.size} secrets to look for`);
    for (const s of secrets) assert.ok(!server.output.includes(s), `server output contains a secret (${s.slice(0, 6)}…)`);
    const whoami = await runLease(['whoami', '--json'], { env: { LEASE_HOME: home('nobody') } });
    assert.notEqual(whoami.code, 0);
  });
});
