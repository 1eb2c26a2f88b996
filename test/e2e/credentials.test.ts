// Credentials, console URLs and native role catalogs through a real `lease server` and the CLI:
// who may fetch what, and the same answer for a request one may not see as for one that does
// not exist (ids cannot be probed). The sudo provider issues no credentials, so an active lease
// answers 400 not_supported; the credential shapes are checked in src/cli/credential-formats.test.ts and the
// routes with a provider that issues them in src/server/routes/provider-queries.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runLease, startServer, type ServerProcess } from '../support/lease-process.js';
import { apiLogin, createDeployment, loginAs, type Deployment } from './fixtures.js';

describe('credentials and console', () => {
  let deployment: Deployment;
  let server: ServerProcess;
  let active: string;
  let revoked: string;
  const as = (user: 'alice' | 'bob' | 'carol', args: string[]) => runLease(args, { env: { LEASE_HOME: deployment.home(user) } });

  before(async () => {
    deployment = await createDeployment({ visudo: false });
    server = await startServer({ config: deployment.config, data: deployment.data });
    for (const user of ['alice', 'bob', 'carol'] as const) await loginAs(deployment, server.url, user);
    const ask = async () => {
      const r = await as('alice', ['request', '--role', 'debug', '--duration', '30m', '--reason', 'credentials e2e', '--wait', '--json']);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { id: string }).id;
    };
    active = await ask();
    revoked = await ask();
    const r = await as('alice', ['revoke', revoked]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await server?.stop();
    await deployment?.cleanup();
  });

  it('refuses someone who may not see the request exactly as for an id that does not exist', async () => {
    const unknown = `req_${'0'.repeat(26)}`;
    for (const command of ['credentials', 'console']) {
      const theirs = await as('carol', [command, active]);
      const none = await as('carol', [command, unknown]);
      assert.equal(theirs.code, 1);
      assert.equal(theirs.stdout, '');
      assert.equal(theirs.stderr, `lease: request ${active} does not exist [request_not_found]\n`);
      assert.equal(none.stderr, theirs.stderr.replace(active, unknown));
    }
  });

  it('refuses an administrator: only the requester gets a lease\'s credentials', async () => {
    for (const command of ['credentials', 'console']) {
      const r = await as('bob', [command, active]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\[not_requester\]\n$/);
      assert.equal(r.stdout, '');
    }
  });

  it('refuses a request that is not active', async () => {
    for (const command of ['credentials', 'console']) {
      const r = await as('alice', [command, revoked]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `lease: request ${revoked} is revoked: only an active lease has credentials [not_active]\n`);
    }
  });

  it('says so when the lease\'s provider issues no credentials, answering uncached', async () => {
    for (const format of ['env', 'json', 'credential-process']) {
      const r = await as('alice', ['credentials', active, '--format', format]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'lease: provider "box" (type sudo) issues no credentials [not_supported]\n');
    }
    const token = await apiLogin(server.url, 'alice');
    const answer = await fetch(`${server.url}/api/v1/requests/${active}/credentials`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    assert.equal(answer.status, 400);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
  });

  it('refuses an unknown --format as bad usage', async () => {
    const r = await as('alice', ['credentials', active, '--format', 'yaml']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Allowed choices are env, json, credential-process/);
  });

  it('lists native roles only for those who may request a role on the provider', async () => {
    const carol = await as('carol', ['providers', 'roles', 'box']);
    assert.equal(carol.code, 1);
    assert.equal(carol.stderr, 'lease: you may request no role on provider "box", so you cannot list its native roles [provider_not_requestable]\n');
    const alice = await as('alice', ['providers', 'roles', 'box', '--search', 'admin']);
    assert.equal(alice.code, 1);
    assert.equal(alice.stderr, 'lease: provider "box" (type sudo) lists no native roles [not_supported]\n');
    const unknown = await as('alice', ['providers', 'roles', 'nowhere']);
    assert.equal(unknown.stderr, 'lease: provider "nowhere" is not configured [provider_not_found]\n');
    const list = await as('alice', ['providers', '--json']);
    assert.equal(list.code, 0, 'the providers command itself still lists');
    assert.ok((JSON.parse(list.stdout) as Array<{ id: string }>).some((p) => p.id === 'box'));
  });
});
