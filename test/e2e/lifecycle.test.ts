// The spine, end to end, through the real binary: login, request, active with a sudoers file,
// revoked on expiry with the file gone, early revoke, listings, audit verification.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VaultSessionStore } from '../../src/agent/index.js';
import { leaseJson, runLease, startServer, waitUntil, type ServerProcess } from '../support/lease-process.js';
import { createDeployment, loginAs, PASSWORDS, type Deployment } from './fixtures.js';

interface RequestJson {
  id: string;
  status: string;
  role: string;
  provider: string;
  expires_at: string | null;
}

describe('request lifecycle through the CLI', () => {
  let deployment: Deployment;
  let server: ServerProcess;
  const env = (user: string) => ({ LEASE_HOME: deployment.home(user) });

  before(async () => {
    deployment = await createDeployment({ visudo: false });
    server = await startServer({ config: deployment.config, data: deployment.data });
    for (const user of ['alice', 'bob'] as const) await loginAs(deployment, server.url, user);
  });

  after(async () => {
    await server?.stop();
    await deployment?.cleanup();
  });

  it('stores the session under $LEASE_HOME encrypted, in 0600 files', async () => {
    const home = deployment.home('alice');
    assert.deepEqual((await readdir(home)).sort(), ['sessions.vault', 'vault.key']);
    for (const name of await readdir(home)) assert.equal((await stat(join(home, name))).mode & 0o777, 0o600, name);
    assert.equal((await stat(home)).mode & 0o777, 0o700);
    assert.ok(!(await readFile(join(home, 'sessions.vault'), 'latin1')).includes('alice@example.com'));
  });

  it('grants on request, shows active with the sudoers file, and revokes at expiry', async () => {
    // Long enough to read the rule before it expires on a busy machine; then wait for the expiry.
    const request = await leaseJson<RequestJson>(
      ['request', '--role', 'debug', '--provider', 'box', '--duration', '6s', '--reason', 'INC-1 logs', '--wait', '--json'],
      env('alice'),
    );
    assert.equal(request.status, 'active');
    assert.equal(request.role, 'debug');
    assert.equal(request.provider, 'box');
    assert.ok(request.expires_at && !Number.isNaN(Date.parse(request.expires_at)), 'expires_at is ISO-8601');
    const file = join(deployment.sudoers, `lease-${request.id}`);
    const content = await readFile(file, 'utf8');
    assert.match(content, /^alice ALL=\(ALL\) NOTAFTER=\d{14}Z NOPASSWD: \/usr\/bin\/journalctl, \/usr\/bin\/id$/m);
    assert.equal((await stat(file)).mode & 0o777, 0o440);

    const ended = await waitUntil('revocation at expiry', async () => {
      const s = await leaseJson<RequestJson>(['status', request.id, '--json'], env('alice'));
      return s.status === 'revoked' ? s : undefined;
    }, 60_000, 250);
    assert.equal(ended.status, 'revoked');
    assert.equal(existsSync(file), false, 'the sudoers drop-in is gone');
  });

  it('revokes early on lease revoke', async () => {
    const request = await leaseJson<RequestJson>(
      ['request', '--role', 'debug', '--provider', 'box', '--duration', '10m', '--reason', 'short task', '--wait', '--json'],
      env('alice'),
    );
    assert.equal(request.status, 'active');
    const file = join(deployment.sudoers, `lease-${request.id}`);
    assert.ok(existsSync(file));
    const revoked = await leaseJson<RequestJson>(['revoke', request.id, '--json'], env('alice'));
    assert.equal(revoked.status, 'revoked');
    assert.equal(existsSync(file), false);
    const again = await runLease(['revoke', request.id], { env: env('alice') });
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already ended/);
  });

  it('runs a role\'s Thand-style workflow (thand: validate, thand.authorize)', async () => {
    const request = await leaseJson<RequestJson>(
      ['request', '--role', 'ops-admin', '--provider', 'box', '--duration', '5m', '--reason', 'deploy', '--wait', '--json'],
      env('bob'),
    );
    assert.equal(request.status, 'active');
    const content = await readFile(join(deployment.sudoers, `lease-${request.id}`), 'utf8');
    assert.match(content, /^bob ALL=\(ALL\) NOTAFTER=\d{14}Z NOPASSWD: ALL$/m);
    await leaseJson(['revoke', request.id, '--json'], env('bob'));
  });

  it('lists requests, roles and providers', async () => {
    const list = await leaseJson<RequestJson[]>(['list', '--json'], env('alice'));
    assert.ok(list.length >= 2);
    assert.ok(list.every((r) => typeof r.id === 'string' && typeof r.status === 'string'));
    const roles = await runLease(['roles'], { env: env('alice') });
    assert.equal(roles.code, 0, roles.stderr);
    assert.match(roles.stdout, /debug/);
    assert.doesNotMatch(roles.stdout, /retired/, 'disabled roles are hidden');
    const providers = await leaseJson<Array<{ id: string }>>(['providers', '--json'], env('alice'));
    assert.deepEqual(providers.map((p) => p.id).sort(), ['box', 'local', 'parked']);
  });

  it('keeps other users\' requests invisible', async () => {
    const bobs = await leaseJson<RequestJson[]>(['list', '--json'], env('bob'));
    const other = await runLease(['status', bobs[0]!.id], { env: env('alice') });
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /request_not_found/);
  });

  it('shows the audit trail to admins and verifies its chain', async () => {
    const entries = await leaseJson<Array<{ action: string }>>(['audit', '--json', '--limit', '1000'], env('bob'));
    const actions = new Set(entries.map((e) => e.action));
    for (const a of ['login.succeeded', 'request.created', 'lease.granted', 'lease.revoked']) assert.ok(actions.has(a), `audit has ${a}`);
    const verify = await runLease(['audit', '--verify'], { env: env('bob') });
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, /intact/);
    const denied = await runLease(['audit'], { env: env('alice') });
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /admin_required/);
  });

  it('refuses a second embedded-engine server on the same SQLite store (exit 2, saying how to run several) and leaves the first serving', async () => {
    const second = await runLease(['server', '--config', deployment.config, '--data', deployment.data, '--port', '0']);
    assert.equal(second.code, 2, second.stdout + second.stderr);
    assert.match(second.stderr, /another Lease server with the embedded workflow engine is using the SQLite database .*lease\.db/);
    assert.match(second.stderr, /server\.engine: temporal/);
    assert.equal((await fetch(`${server.url}/ready`)).status, 200, 'the first server is unaffected');
  });

  it('never writes a password or session token to its logs', async () => {
    // The tokens the CLIs hold, read from their vaults with their keys.
    const tokens: string[] = [];
    for (const user of ['alice', 'bob']) {
      const vault = new VaultSessionStore(deployment.home(user));
      for (const { server: url } of await vault.list()) tokens.push((await vault.get(url))!.token);
    }
    assert.ok(tokens.length > 0);
    for (const secret of [...Object.values(PASSWORDS), ...tokens]) assert.ok(!server.output.includes(secret), 'a secret leaked into the server output');
  });
});
