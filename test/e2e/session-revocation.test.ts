// Sessions end when their user logs out or an administrator ends them, and a login throttle
// slows guessing without locking the real user out — with the real `lease server`, CLI and
// agent processes. Tokens are read from the CLI's own vault only to probe the API with them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { VaultSessionStore } from '../../src/agent/index.js';
import { startAgentProcess } from '../support/agent-process.js';
import { runLease, startServer, type ServerProcess } from '../support/lease-process.js';
import { registerTestSecret } from '../support/secrets.js';
import { apiLogin, createDeployment, loginAs, PASSWORDS, type Deployment } from './fixtures.js';

interface Answer {
  status: number;
  code: string | undefined;
  retryAfter: string | undefined;
}

/** GET /api/v1/requests with a bearer token: what the server says of that session. */
async function probe(serverUrl: string, token: string): Promise<Answer> {
  const r = await fetch(`${serverUrl}/api/v1/requests`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await r.json()) as { error?: { code: string } };
  return { status: r.status, code: body.error?.code, retryAfter: r.headers.get('retry-after') ?? undefined };
}

/** A password login over HTTP from a chosen local source address (127.0.0.0/8 is all loopback). */
function loginFrom(localAddress: string, serverUrl: string, username: string, password: string): Promise<Answer> {
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/api/v1/auth/local/login', serverUrl),
      { method: 'POST', localAddress, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          const json = JSON.parse(text) as { error?: { code: string }; token?: string };
          if (json.token) registerTestSecret(json.token);
          resolve({ status: res.statusCode ?? 0, code: json.error?.code, retryAfter: res.headers['retry-after'] });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The token the CLI holds for `home` (the vault is the CLI's; the agent writes the same file). */
async function cliToken(home: string): Promise<string> {
  const session = await new VaultSessionStore(home).get();
  assert.ok(session, `a stored session in ${home}`);
  registerTestSecret(session.token);
  return session.token;
}

async function token(serverUrl: string, user: keyof typeof PASSWORDS): Promise<string> {
  const value = await apiLogin(serverUrl, user);
  registerTestSecret(value);
  return value;
}

describe('a session ends when its user logs out or an admin ends it, not only when it expires (real server, CLI, agent)', () => {
  let deployment: Deployment;
  let server: ServerProcess;
  const env = (user: keyof typeof PASSWORDS) => ({ LEASE_HOME: deployment.home(user) });

  before(async () => {
    deployment = await createDeployment({ visudo: false });
    server = await startServer({ config: deployment.config, data: deployment.data });
  });

  after(async () => {
    await server?.stop();
    await deployment?.cleanup();
  });

  it('lease logout ends the session on the server: the token it held answers 401 session_revoked', async () => {
    await loginAs(deployment, server.url, 'alice');
    const held = await cliToken(deployment.home('alice'));
    assert.equal((await probe(server.url, held)).status, 200);

    const out = await runLease(['logout'], { env: env('alice') });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /Logged out of/);
    assert.deepEqual(await probe(server.url, held), { status: 401, code: 'session_revoked', retryAfter: undefined });
    const list = await runLease(['list'], { env: env('alice') });
    assert.notEqual(list.code, 0);
    assert.match(list.stderr, /not logged in/);
    const again = await runLease(['logout'], { env: env('alice') });
    assert.equal(again.code, 0, 'logging out twice is harmless');
  });

  it('lease logout through a running agent ends the session on the server too', async () => {
    const home = deployment.home('carol');
    const agent = await startAgentProcess(home);
    try {
      await loginAs(deployment, server.url, 'carol');
      const held = await cliToken(home);
      assert.equal((await probe(server.url, held)).status, 200);
      const out = await runLease(['logout'], { env: env('carol') });
      assert.equal(out.code, 0, out.stderr);
      assert.equal((await probe(server.url, held)).code, 'session_revoked');
      assert.match(agent.output(), /DELETE \/v1\/session 204/, 'the CLI went through the agent');
    } finally {
      await agent.stop();
    }
  });

  it('an administrator ends every session of a user: those tokens answer 401, the CLI says to log in again, a new login works; a non-admin gets 403', async () => {
    await loginAs(deployment, server.url, 'alice');
    await loginAs(deployment, server.url, 'bob'); // bob is an administrator (group ops)
    await loginAs(deployment, server.url, 'carol');
    const alices = [await cliToken(deployment.home('alice')), await token(server.url, 'alice')];
    const carols = await cliToken(deployment.home('carol'));

    const bare = await runLease(['sessions', 'revoke', '--user', 'alice'], { env: env('bob') });
    assert.equal(bare.code, 2, 'a bare user name does not say which identity provider');
    assert.match(bare.stderr, /--user <provider>:<user>/);

    const denied = await runLease(['sessions', 'revoke', '--user', 'local:bob'], { env: env('carol') });
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /admin_required/);
    assert.equal((await runLease(['list'], { env: env('bob') })).code, 0, "bob's session still works");

    const ended = await runLease(['sessions', 'revoke', '--user', 'local:alice', '--json'], { env: env('bob') });
    assert.equal(ended.code, 0, ended.stderr);
    const answer = JSON.parse(ended.stdout) as { provider: string; user: string; ended_before: string };
    assert.deepEqual([answer.provider, answer.user], ['local', 'alice']);
    for (const t of alices) assert.equal((await probe(server.url, t)).code, 'session_revoked');
    assert.equal((await probe(server.url, carols)).status, 200, "another user's session is untouched");
    const cli = await runLease(['list'], { env: env('alice') });
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /log in again/);
    assert.doesNotMatch(cli.stderr, /\n\s+at /, 'no stack trace');

    await loginAs(deployment, server.url, 'alice');
    assert.equal((await runLease(['list'], { env: env('alice') })).code, 0, 'a session issued after it works');
    const withFlag = await runLease(['sessions', 'revoke', '--user', 'carol', '--provider', 'local'], { env: env('bob') });
    assert.equal(withFlag.code, 0, withFlag.stderr);
    assert.match(withFlag.stdout, /Ended every session of local:carol/);
    assert.equal((await probe(server.url, carols)).code, 'session_revoked');

    const audit = await fetch(`${server.url}/api/v1/audit?limit=1000`, { headers: { authorization: `Bearer ${await cliToken(deployment.home('bob'))}` } });
    const entries = ((await audit.json()) as { entries: { actor: string; action: string; subject: string | null }[] }).entries;
    assert.ok(entries.some((e) => e.action === 'sessions.revoked' && e.actor === 'local:bob' && e.subject === 'local:alice'));
    assert.ok(entries.some((e) => e.action === 'session.revoked' && e.actor === 'local:alice'), 'the logout of the first test');
  });

  it('ended sessions stay ended after a server restart', async () => {
    const loggedOut = await token(server.url, 'alice');
    const logout = await fetch(`${server.url}/api/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${loggedOut}` } });
    assert.equal(logout.status, 200);
    const carols = await token(server.url, 'carol');
    const ended = await fetch(`${server.url}/api/v1/sessions/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await cliToken(deployment.home('bob'))}`, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'local', user: 'carol' }),
    });
    assert.equal(ended.status, 200);

    await server.stop();
    server = await startServer({ config: deployment.config, data: deployment.data, port: Number(new URL(server.url).port) });
    assert.equal((await probe(server.url, loggedOut)).code, 'session_revoked');
    assert.equal((await probe(server.url, carols)).code, 'session_revoked');
    assert.equal((await probe(server.url, await token(server.url, 'carol'))).status, 200, 'a new login works');
  });

  it('lease logout with the server down forgets the session here and says it could not end it there', async () => {
    await loginAs(deployment, server.url, 'carol');
    await server.stop();
    try {
      const out = await runLease(['logout'], { env: env('carol') });
      assert.equal(out.code, 1);
      assert.match(out.stderr, /could not end it on the server .*stays valid there until/);
      assert.match((await runLease(['sessions'], { env: env('carol') })).stdout, /^SERVER\s+PROVIDER\s+IDENTITY\s+EXPIRES\s*$/);
    } finally {
      server = await startServer({ config: deployment.config, data: deployment.data, port: Number(new URL(server.url).port) });
    }
  });
});

describe('a login throttle slows an attacker down without locking the real user out (real server)', () => {
  let deployment: Deployment;
  let server: ServerProcess;
  const wrong = `wrong-${randomBytes(8).toString('hex')}`;
  registerTestSecret(wrong);

  before(async () => {
    deployment = await createDeployment({ visudo: false });
    server = await startServer({ config: deployment.config, data: deployment.data });
  });

  after(async () => {
    await server?.stop();
    await deployment?.cleanup();
  });

  it('ten wrong passwords from 127.0.0.2 refuse that address (429, Retry-After), while the right password from 127.0.0.1 logs in', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await loginFrom('127.0.0.2', server.url, 'alice', wrong);
      assert.deepEqual([r.status, r.code], [401, 'invalid_credentials'], `attempt ${i + 1}`);
    }
    const locked = await loginFrom('127.0.0.2', server.url, 'alice', PASSWORDS.alice);
    assert.deepEqual([locked.status, locked.code], [429, 'too_many_attempts'], 'even the right password, from the guessing address');
    assert.ok(Number(locked.retryAfter) >= 1, `Retry-After: ${locked.retryAfter}`);

    const real = await loginFrom('127.0.0.1', server.url, 'alice', PASSWORDS.alice);
    assert.equal(real.status, 200, 'the real user, from their own address');
    await loginAs(deployment, server.url, 'alice');
    assert.equal((await runLease(['whoami'], { env: { LEASE_HOME: deployment.home('alice') } })).code, 0, 'the CLI logs in too');
    assert.equal((await loginFrom('127.0.0.2', server.url, 'bob', PASSWORDS.bob)).status, 200, 'the guessing address is refused only for alice');
  });

  it('never writes the guessed or the real password to the server output', () => {
    assert.match(server.output, /login failed/);
    for (const secret of [wrong, PASSWORDS.alice, PASSWORDS.bob]) assert.ok(!server.output.includes(secret));
  });
});
