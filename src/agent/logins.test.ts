// The agent-hosted login callback against fake Lease servers (named as such: in-process HTTP
// servers that implement /start and /exchange; the real server, IdP and agent process run in
// test/e2e/agent-login.test.ts).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findAgent } from './agent-client.js';
import { startAgent } from './daemon.js';
import { VaultSessionStore } from './vault.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A fake Lease server: /start remembers the agent's callback; /exchange accepts `code-<attempt>` once. */
async function fakeServer(email: string) {
  const redirects = new Map<string, string>();
  const used = new Set<string>();
  let n = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const json = JSON.parse(body || '{}') as { redirect?: string; attempt?: string; code?: string };
      const reply = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.url === '/api/v1/auth/corp/start') {
        const attempt = `att-${++n}`;
        redirects.set(attempt, json.redirect as string);
        return reply(200, { login_url: `http://idp.invalid/authorize?n=${n}`, attempt });
      }
      if (req.url === '/api/v1/auth/corp/exchange') {
        if (json.code !== `code-${json.attempt}` || used.has(json.code)) return reply(400, { error: { code: 'invalid_login_code', message: 'invalid or already used login code' } });
        used.add(json.code);
        return reply(200, { token: `token-${json.attempt}-${email}`, expires_at: '2099-01-01T00:00:00.000Z', identity: { id: email, email, groups: ['eng'], provider: 'corp' } });
      }
      return reply(404, { error: { code: 'identity_provider_not_found', message: 'not a browser login provider' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  /** Where the server would send the browser after the IdP: the agent's callback with the code. */
  const browserBack = (attempt: string, params: Record<string, string> = { code: `code-${attempt}` }) => {
    const target = new URL(redirects.get(attempt) as string);
    for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
    return target;
  };
  return { url, browserBack, lastAttempt: () => `att-${n}` };
}

async function agentHome() {
  const home = await mkdtemp(join(tmpdir(), 'lease-agent-login-'));
  const agent = await startAgent({ home, port: 0 });
  cleanups.push(async () => {
    await agent.close();
    await rm(home, { recursive: true, force: true });
  });
  const client = await findAgent(home);
  assert.ok(client);
  return { home, agent, client };
}

describe('agent-hosted browser login', () => {
  it('logs in to two servers at once: each callback is traded for its session, sealed in the vault', async () => {
    const { home, client } = await agentHome();
    const one = await fakeServer('alice@one.example');
    const two = await fakeServer('alice@two.example');
    const a = await client.startLogin(one.url, 'corp');
    const b = await client.startLogin(two.url, 'corp');
    assert.match(a.url, /^http:\/\/idp\.invalid\//);
    const waiting = client.login(a.login_id, 10);
    // The browser comes back for the second login first.
    const backB = await fetch(two.browserBack(two.lastAttempt()));
    assert.equal(backB.status, 200);
    assert.match(await backB.text(), /Logged in to .* as alice@two\.example/);
    assert.equal((await fetch(one.browserBack(one.lastAttempt()))).status, 200);
    const doneA = await waiting;
    assert.equal(doneA.status, 'succeeded');
    assert.equal(doneA.session?.identity.email, 'alice@one.example');
    assert.ok(!JSON.stringify(doneA).includes('token-'), 'the CLI never sees the token');
    assert.equal((await client.login(b.login_id, 0)).status, 'succeeded');
    const vault = new VaultSessionStore(home);
    assert.equal((await vault.get(one.url))?.token, 'token-att-1-alice@one.example');
    assert.equal((await vault.get(two.url))?.token, 'token-att-1-alice@two.example');
  });

  it('refuses a replayed callback, and does not trade the code again', async () => {
    const { client } = await agentHome();
    const server = await fakeServer('bob@example');
    await client.startLogin(server.url, 'corp');
    const back = server.browserBack(server.lastAttempt());
    assert.equal((await fetch(back)).status, 200);
    const replay = await fetch(back);
    assert.equal(replay.status, 400);
    assert.match(await replay.text(), /unknown, expired or already used/);
  });

  it('reports the IdP\'s refusal to the CLI and stores nothing', async () => {
    const { home, client } = await agentHome();
    const server = await fakeServer('carol@example');
    const started = await client.startLogin(server.url, 'corp');
    assert.equal((await fetch(server.browserBack(server.lastAttempt(), { error: 'login_failed' }))).status, 200);
    const view = await client.login(started.login_id, 5);
    assert.equal(view.status, 'failed');
    assert.equal(view.error?.code, 'login_failed');
    assert.deepEqual(await new VaultSessionStore(home).list(), []);
  });

  it('fails the login when the server refuses the code', async () => {
    const { client } = await agentHome();
    const server = await fakeServer('dave@example');
    const started = await client.startLogin(server.url, 'corp');
    const back = server.browserBack(server.lastAttempt(), { code: 'forged' });
    assert.equal((await fetch(back)).status, 502);
    const view = await client.login(started.login_id, 0);
    assert.equal(view.status, 'failed');
    assert.equal(view.error?.code, 'invalid_login_code');
  });

  it('answers pending when nothing happened within the wait', async () => {
    const { client } = await agentHome();
    const server = await fakeServer('erin@example');
    const started = await client.startLogin(server.url, 'corp');
    assert.equal((await client.login(started.login_id, 1)).status, 'pending');
  });

  it('passes the server\'s refusal to start on to the CLI', async () => {
    const { client } = await agentHome();
    const server = await fakeServer('frank@example');
    await assert.rejects(client.startLogin(server.url, 'nope'), { code: 'identity_provider_not_found' });
  });

  it('needs the agent token to start or read a login; the callback needs none but refuses other Hosts and unknown links', async () => {
    const { agent, client } = await agentHome();
    const server = await fakeServer('gina@example');
    const noToken = await fetch(`${agent.url}/v1/logins`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ server: server.url, provider: 'corp' }) });
    assert.equal(noToken.status, 401);
    const started = await client.startLogin(server.url, 'corp');
    assert.equal((await fetch(`${agent.url}/v1/logins/${started.login_id}`)).status, 401);
    assert.equal((await fetch(`${agent.url}/callback/made-up?code=x`)).status, 400);
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 reaches the port with its own Host.
    const back = server.browserBack(server.lastAttempt());
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: back.port, path: `${back.pathname}${back.search}`, headers: { host: `evil.example:${back.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(rebound, 403);
    assert.equal((await fetch(back)).status, 200, 'the refused request did not use the link up');
  });
});
