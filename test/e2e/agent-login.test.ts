// `lease login` through a running `lease agent`, with real processes: a real OpenID provider
// (oidc-provider on loopback), two real `lease server`s, the real agent and CLI. The CLI asks the
// agent to start the login; the test browser follows CLI URL → IdP → Lease callback → the
// agent's /callback, where the agent trades the one-time code for the session and seals it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { VaultSessionStore } from '../../src/agent/index.js';
import { hopParams, visitAs } from '../support/browser.js';
import { startAgentProcess, type AgentProcess } from '../support/agent-process.js';
import { leaseJson, runLease, startBrowserLogin, startServer, tempDir, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { leaseConfigFor, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';

describe('browser login through the agent callback (real OpenID provider, servers, agent and CLI)', () => {
  let idp: TestOidcProvider;
  let servers: ServerProcess[] = [];
  let agent: AgentProcess;
  let root: { path: string; cleanup: () => Promise<void> };
  const secret = `oidc-secret-${randomBytes(16).toString('hex')}`;
  /** Everything that must never appear in a server's or the agent's output. */
  const secrets = new Set<string>([secret]);
  const home = () => join(root.path, 'home', 'alice');
  const env = () => ({ LEASE_HOME: home() });
  const callbackUrl = (server: ServerProcess) => `${server.url}/api/v1/auth/corp/callback`;
  /** The agent callback the browser reached in the first test, for the replay test. */
  let agentCallback: URL | undefined;

  before(async () => {
    idp = await startOidcProvider({ accounts: [{ sub: 'u-alice', email: 'alice@corp.example', name: 'Alice Liddell', groups: ['eng', 'oncall'] }] });
    root = await tempDir('lease-agent-login-');
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
  sales-report:
    name: Sales report
    description: Only for sales
    permissions:
      allow: [/usr/bin/id]
    scopes:
      groups: ["corp:sales"]
    providers: [box]
    max_duration: 1h
`,
    });
    const config = join(root.path, 'config');
    servers = [
      await startServer({ config, data: join(root.path, 'data-1'), env: { LEASE_OIDC_SECRET: secret } }),
      await startServer({ config, data: join(root.path, 'data-2'), env: { LEASE_OIDC_SECRET: secret } }),
    ];
    idp.registerClient({ client_id: 'lease', client_secret: secret, redirect_uris: servers.map(callbackUrl) });
    agent = await startAgentProcess(home());
  });

  after(async () => {
    await agent?.stop();
    for (const server of servers) await server.stop();
    await idp?.stop();
    await root?.cleanup();
  });

  /** Follows a login URL through the IdP to its last hop; collects the codes it saw. */
  async function browse(loginUrl: string) {
    const visit = await visitAs(idp, 'u-alice', loginUrl);
    for (const value of hopParams(visit, ['code', 'state'])) secrets.add(value);
    return visit;
  }

  it('logs in browser-less through the agent callback; the groups claim drives role scope', async () => {
    const [server] = servers as [ServerProcess];
    const { loginUrl, exit } = await startBrowserLogin({ serverUrl: server.url, provider: 'corp', home: home() });
    assert.ok(loginUrl.startsWith(`${idp.issuer}/`), loginUrl);
    const visit = await browse(loginUrl);
    assert.ok(visit.hops.some((h) => h.href.startsWith(callbackUrl(server))), 'the browser passed through Lease\'s callback');
    assert.equal(visit.url.origin, agent.url, 'the last hop is the agent, not a listener of the CLI');
    assert.match(visit.url.pathname, /^\/callback\//);
    assert.equal(visit.response.status, 200);
    assert.match(await visit.response.text(), /Logged in to .* as alice@corp\.example/);
    agentCallback = visit.url;

    const result = await exit;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Logged in to .* as alice@corp\.example/);
    assert.match(agent.output(), /POST \/v1\/logins 200/);
    const stored = await new VaultSessionStore(home()).get(server.url);
    assert.ok(stored, 'the agent sealed the session in its vault');
    secrets.add(stored.token);

    const me = await leaseJson<Record<string, unknown>>(['whoami', '--json', '--server', server.url], env());
    assert.equal(me.email, 'alice@corp.example');
    assert.deepEqual(me.groups, ['eng', 'oncall']);

    const granted = await leaseJson<{ status: string }>(['request', '--server', server.url, '--role', 'eng-debug', '--provider', 'box', '--duration', '10m', '--reason', 'INC-9 logs', '--wait', '--json'], env());
    assert.equal(granted.status, 'active');
    const refused = await runLease(['request', '--server', server.url, '--role', 'sales-report', '--provider', 'box', '--duration', '10m', '--reason', 'curious', '--json'], { env: env() });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /\[not_in_scope\]/);
  });

  it('refuses a replayed callback code at the agent', async () => {
    assert.ok(agentCallback, 'the first test reached the agent callback');
    assert.ok(agentCallback.searchParams.get('code'));
    const replay = await fetch(agentCallback, { redirect: 'manual' });
    assert.equal(replay.status, 400);
    assert.match(await replay.text(), /unknown, expired or already used/);
  });

  it('ends a session from the agent-hosted login on lease logout (through the agent): its token answers 401 session_revoked', async () => {
    const [server] = servers as [ServerProcess];
    const stored = await new VaultSessionStore(home()).get(server.url);
    assert.ok(stored, 'the session of the first test');
    const probe = () => fetch(`${server.url}/api/v1/requests`, { headers: { authorization: `Bearer ${stored.token}` } });
    assert.equal((await probe()).status, 200);
    const out = await runLease(['logout', '--server', server.url], { env: env() });
    assert.equal(out.code, 0, out.stderr);
    assert.match(agent.output(), /DELETE \/v1\/session 204/);
    const ended = await probe();
    assert.equal(ended.status, 401);
    assert.equal(((await ended.json()) as { error: { code: string } }).error.code, 'session_revoked');
  });

  it('logs in to two servers at once through one agent', async () => {
    const logins = await Promise.all(servers.map((server) => startBrowserLogin({ serverUrl: server.url, provider: 'corp', home: home() })));
    // The browser finishes the second login first.
    for (const login of [...logins].reverse()) assert.equal((await browse(login.loginUrl)).response.status, 200);
    for (const login of logins) {
      const result = await login.exit;
      assert.equal(result.code, 0, result.stderr);
    }
    const sessions = await leaseJson<Array<{ server: string; email: string }>>(['sessions', '--json'], env());
    assert.deepEqual(sessions.map((s) => s.server).sort(), servers.map((s) => s.url).sort());
    const vault = new VaultSessionStore(home());
    for (const server of servers) secrets.add((await vault.get(server.url))!.token);
    for (const server of servers) assert.equal((await leaseJson(['whoami', '--json', '--server', server.url], env())).email, 'alice@corp.example');
  });

  it('never writes a code or session token to the agent\'s or the servers\' output', async () => {
    assert.ok(secrets.size >= 8, `collected ${secrets.size} secrets to look for`);
    for (const [name, output] of [['agent', agent.output()], ...servers.map((s, i) => [`server ${i + 1}`, s.output])] as Array<[string, string]>) {
      for (const s of secrets) assert.ok(!output.includes(s), `${name} output contains a secret (${s.slice(0, 6)}…)`);
    }
  });
});
