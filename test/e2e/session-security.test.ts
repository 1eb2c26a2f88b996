// Session security with real processes: an expired session and a revoked server key both end in
// 401 and a CLI that says to log in again; another local account cannot use a user's agent.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VaultSessionStore } from '../../src/agent/index.js';
import { requireComponent } from '../support/require-component.js';
import { isRoot, hasCommand, run } from '../support/system.js';
import { createThrowawayUser } from '../support/throwaway-user.js';
import { LEASE_BIN, ROOT, runLease, startServer, waitUntil } from '../support/lease-process.js';
import { apiLogin, createDeployment, loginAs } from './fixtures.js';

/** The session lifetime of the expiry test, in seconds. */
const SHORT_SESSION_S = 10;

describe('session security', () => {
  it('an expired session: the API answers 401 and the CLI says to log in again', async () => {
    const deployment = await createDeployment({ visudo: false });
    await writeFile(join(deployment.config, 'server.yaml'), `version: "1.0"\nserver:\n  session_ttl: ${SHORT_SESSION_S}s\n  admins: { groups: [ops] }\n`);
    const server = await startServer({ config: deployment.config, data: deployment.data });
    try {
      const env = { LEASE_HOME: deployment.home('alice') };
      // The CLI works while its session lasts. A machine too busy to run `lease list` within the
      // lifetime logs in again, once the failure is shown to be the expiry's.
      await waitUntil('a CLI call within the session\'s lifetime', async () => {
        await loginAs(deployment, server.url, 'alice');
        const session = await new VaultSessionStore(deployment.home('alice')).get(server.url);
        const list = await runLease(['list'], { env });
        if (list.code === 0) return true;
        assert.ok(session && Date.now() >= Date.parse(session.expires_at), `lease list failed while the session was valid: ${list.stderr}`);
        return undefined;
      }, 300_000, 0);
      const token = await apiLogin(server.url, 'alice');

      const expired = await waitUntil('the session to expire', async () => {
        const r = await fetch(`${server.url}/api/v1/requests`, { headers: { authorization: `Bearer ${token}` } });
        return r.status === 200 ? (await r.body?.cancel(), undefined) : r;
      }, SHORT_SESSION_S * 1_000 + 30_000, 250);
      assert.equal(expired.status, 401);
      assert.equal(((await expired.json()) as { error: { code: string } }).error.code, 'session_expired');

      const cli = await runLease(['list'], { env });
      assert.notEqual(cli.code, 0);
      assert.match(cli.stderr, /log in again/);
      assert.doesNotMatch(cli.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      await server.stop();
      await deployment.cleanup();
    }
  });

  it('a tampered token and a token from another server (another key) are refused with 401', async () => {
    const deployment = await createDeployment({ visudo: false });
    const ours = await startServer({ config: deployment.config, data: deployment.data });
    const theirs = await startServer({ config: deployment.config, data: join(deployment.root, 'other-data') });
    try {
      const token = await apiLogin(ours.url, 'alice');
      const get = (t: string) => fetch(`${ours.url}/api/v1/requests`, { headers: { authorization: `Bearer ${t}` } });
      assert.equal((await get(token)).status, 200);
      const parts = token.split('.');
      const ciphertext = parts[3]!;
      const flipped = `${ciphertext.slice(0, 5)}${ciphertext[5] === 'A' ? 'B' : 'A'}${ciphertext.slice(6)}`;
      const tampered = await get([...parts.slice(0, 3), flipped, parts[4]].join('.'));
      assert.equal(tampered.status, 401);
      assert.equal(((await tampered.json()) as { error: { code: string } }).error.code, 'unauthenticated');
      const foreign = await get(await apiLogin(theirs.url, 'alice'));
      assert.equal(foreign.status, 401);
    } finally {
      await theirs.stop();
      await ours.stop();
      await deployment.cleanup();
    }
  });

  it('a revoked server key ends its sessions: 401, the CLI says to log in again, a new login works', async () => {
    const deployment = await createDeployment({ visudo: false });
    let server = await startServer({ config: deployment.config, data: deployment.data });
    try {
      const token = await apiLogin(server.url, 'alice');
      await loginAs(deployment, server.url, 'alice');
      const env = { LEASE_HOME: deployment.home('alice') };
      assert.equal((await runLease(['list'], { env })).code, 0);
      await server.stop();

      // An operator revokes the key (the key file is the server's; a revoked entry stays listed).
      const keyFile = join(deployment.data, 'keys', 'session.jwk');
      const keys = JSON.parse(await readFile(keyFile, 'utf8')) as { keys: Array<{ revoked?: boolean }> };
      for (const key of keys.keys) key.revoked = true;
      await writeFile(keyFile, JSON.stringify(keys), { mode: 0o600 });
      server = await startServer({ config: deployment.config, data: deployment.data, port: Number(new URL(server.url).port) });

      const api = await fetch(`${server.url}/api/v1/requests`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(api.status, 401);
      const cli = await runLease(['list'], { env });
      assert.notEqual(cli.code, 0);
      assert.match(cli.stderr, /log in again/);

      await loginAs(deployment, server.url, 'alice');
      assert.equal((await runLease(['list'], { env })).code, 0, 'a fresh session works under the new key');
    } finally {
      await server.stop();
      await deployment.cleanup();
    }
  });

  it("another local account cannot read the agent's token nor use the agent without it", async (t) => {
    if (!requireComponent(t, 'root and runuser (to act as another local account)', isRoot() && hasCommand('runuser') && hasCommand('useradd'), 'run the tests as root on Linux (util-linux runuser, passwd useradd)')) return;
    const deployment = await createDeployment({ visudo: false });
    t.after(() => deployment.cleanup());
    const home = deployment.home('alice');
    const agent = spawn(process.execPath, [LEASE_BIN, 'agent', '--port', '0'], { cwd: ROOT, env: { ...process.env, LEASE_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => {
      agent.kill('SIGTERM');
    });
    let output = '';
    agent.stdout.on('data', (d: Buffer) => (output += d.toString()));
    agent.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const url = await waitUntil('the agent to listen', async () => /listening on (http:\/\/\S+)/.exec(output)?.[1], 60_000);

    const other = createThrowawayUser(t);
    // The other account can reach the port, but not the token file.
    const read = run('runuser', ['-u', other, '--', 'cat', join(home, 'agent.token')]);
    assert.notEqual(read.status, 0);
    assert.match(read.stderr, /Permission denied/);
    const probe = `fetch(${JSON.stringify(`${url}/v1/sessions`)}).then(r => console.log(r.status))`;
    // Without the run's NODE_OPTIONS: its --import of the log tee lives in a checkout the other
    // account may not be able to read, and is not part of what is tested.
    const asOther = run('runuser', ['-u', other, '--', 'env', '-u', 'NODE_OPTIONS', process.execPath, '-e', probe]);
    assert.equal(asOther.stdout.trim(), '401', asOther.stderr);
  });
});
