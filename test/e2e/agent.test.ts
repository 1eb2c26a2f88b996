// The encrypted session vault and `lease agent`, with real processes: a server, CLI logins,
// the vault files on disk (0600, nothing readable even base64-decoded), the agent serving the
// CLI behind its per-user token, and the CLI falling back to the vault once the agent stops.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VaultSessionStore } from '../../src/agent/index.js';
import { startAgentProcess, type AgentProcess } from '../support/agent-process.js';
import { leaseJson, runLease, startServer, type ServerProcess } from '../support/lease-process.js';
import { createDeployment, loginAs, PASSWORDS, type Deployment } from './fixtures.js';

/** A file's bytes as text, plus every base64-looking run in it decoded. */
function readableText(bytes: Buffer): string {
  const raw = bytes.toString('latin1');
  const runs = raw.match(/[A-Za-z0-9+/_-]{8,}={0,2}/g) ?? [];
  return [raw, ...runs.map((run) => Buffer.from(run.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1'))].join('\n');
}

describe('encrypted session vault and lease agent', () => {
  let deployment: Deployment;
  let server: ServerProcess;
  let second: ServerProcess;
  let agent: AgentProcess | undefined;
  const home = () => deployment.home('alice');
  const env = () => ({ LEASE_HOME: home() });

  before(async () => {
    deployment = await createDeployment({ visudo: false });
    server = await startServer({ config: deployment.config, data: deployment.data });
    second = await startServer({ config: deployment.config, data: join(deployment.root, 'data-2') });
    await loginAs(deployment, server.url, 'alice');
  });

  after(async () => {
    await agent?.stop();
    await second?.stop();
    await server?.stop();
    await deployment?.cleanup();
  });

  it('keeps the session in 0600 files that reveal no identity data, even base64-decoded', async () => {
    const names = await readdir(home());
    assert.deepEqual(names.sort(), ['sessions.vault', 'vault.key']);
    assert.equal((await stat(home())).mode & 0o777, 0o700);
    const url = new URL(server.url);
    for (const name of names) {
      assert.equal((await stat(join(home(), name))).mode & 0o777, 0o600, name);
      const text = readableText(await readFile(join(home(), name)));
      for (const fact of ['alice@example.com', 'Alice', 'eng', server.url, url.host]) assert.ok(!text.includes(fact), `${name} reveals "${fact}"`);
    }
  });

  it('whoami --json and sessions --json read the vault; sessions never show a token', async () => {
    const me = await leaseJson(['whoami', '--json'], env());
    assert.equal(me.email, 'alice@example.com');
    assert.equal(me.name, 'Alice');
    assert.deepEqual(me.groups, ['eng']);
    assert.equal(me.provider, 'local');
    assert.equal(me.server, server.url);
    assert.ok(!Number.isNaN(Date.parse(me.expires_at as string)));
    const r = await runLease(['sessions', '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const sessions = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(sessions.map((s) => [s.server, s.provider, s.email]), [[server.url, 'local', 'alice@example.com']]);
    const token = (await new VaultSessionStore(home()).get(server.url))!.token;
    assert.ok(!r.stdout.includes(token) && !('token' in sessions[0]!));
  });

  it('changes nothing stored when a login fails', async () => {
    const before = await readFile(join(home(), 'sessions.vault'));
    const r = await runLease(['login', '--server', server.url, '--provider', 'local', '--username', 'alice', '--password-stdin'], { env: env(), input: 'wrong-password\n' });
    assert.notEqual(r.code, 0);
    assert.deepEqual(await readFile(join(home(), 'sessions.vault')), before);
  });

  it('serves the CLI through the agent, which refuses requests without its token', async () => {
    agent = await startAgentProcess(home());
    assert.match(agent.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await stat(join(home(), 'agent.token'))).mode & 0o777, 0o600);

    const list = await runLease(['list', '--json'], { env: env() });
    assert.equal(list.code, 0, list.stderr);
    assert.match(agent.output(), /GET \/v1\/session 200/, 'the CLI asked the agent for its session');

    // A second server: one session per server URL, --server picks.
    await loginAs(deployment, second.url, 'alice');
    assert.match(agent.output(), /PUT \/v1\/session 200/, 'the login stored its session through the agent');
    const sessions = await leaseJson<Array<{ server: string }>>(['sessions', '--json'], env());
    assert.deepEqual(sessions.map((s) => s.server).sort(), [server.url, second.url].sort());
    assert.equal((await leaseJson(['whoami', '--json', '--server', server.url], env())).server, server.url);

    const agentUrl = agent.url;
    for (const headers of [{}, { authorization: 'Bearer not-the-token' }] as Array<Record<string, string>>) {
      const r: Response = await fetch(`${agentUrl}/v1/sessions`, { headers });
      assert.equal(r.status, 401);
      assert.match(r.headers.get('content-type') ?? '', /application\/json/);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'unauthorized');
    }
    const vault = new VaultSessionStore(home());
    for (const { server: url } of await vault.list()) assert.ok(!agent.output().includes((await vault.get(url))!.token), 'the agent printed a token');
    assert.ok(!agent.output().includes(PASSWORDS.alice));
  });

  it('stops on SIGTERM; the CLI then works from the encrypted vault', async () => {
    assert.ok(agent);
    agent.child.kill('SIGTERM');
    assert.equal(await agent.exited, 0);
    assert.equal(existsSync(join(home(), 'agent.token')), false);
    const list = await runLease(['list', '--json', '--server', server.url], { env: env() });
    assert.equal(list.code, 0, list.stderr);
    const out = await runLease(['logout', '--server', second.url], { env: env() });
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual((await leaseJson<Array<{ server: string }>>(['sessions', '--json'], env())).map((s) => s.server), [server.url]);
  });

  it('refuses a tampered vault with a clear message, without crashing', async () => {
    const file = join(home(), 'sessions.vault');
    const bytes = await readFile(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    await writeFile(file, bytes);
    const r = await runLease(['whoami'], { env: env() });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /session vault .* cannot be read .*tampered with.*log in again/);
    assert.doesNotMatch(r.stderr, /unexpected error|at .*\.js:\d+/);
  });
});
