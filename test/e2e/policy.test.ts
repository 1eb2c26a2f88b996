// Every policy rule refuses with its own code, through the CLI and over HTTP, and a refusal
// grants nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { runLease, startServer, type ServerProcess } from '../support/lease-process.js';
import { createDeployment, loginAs, PASSWORDS, type Deployment } from './fixtures.js';

describe('policy refusals', () => {
  let deployment: Deployment;
  let server: ServerProcess;
  const env = (user: string) => ({ LEASE_HOME: deployment.home(user) });

  before(async () => {
    deployment = await createDeployment({ visudo: false });
    server = await startServer({ config: deployment.config, data: deployment.data });
    for (const user of ['alice', 'carol'] as const) await loginAs(deployment, server.url, user);
  });

  after(async () => {
    await server?.stop();
    await deployment?.cleanup();
  });

  const cases: Array<{ rule: string; user: string; args: string[]; code: string }> = [
    { rule: 'the role must exist', user: 'alice', args: ['--role', 'nope', '--provider', 'box', '--duration', '10m', '--reason', 'x'], code: 'role_not_found' },
    { rule: 'the role must be enabled', user: 'alice', args: ['--role', 'retired', '--provider', 'box', '--duration', '10m', '--reason', 'x'], code: 'role_disabled' },
    { rule: 'the requester must be in scope', user: 'carol', args: ['--role', 'debug', '--provider', 'box', '--duration', '10m', '--reason', 'x'], code: 'not_in_scope' },
    { rule: 'the provider must be one the role lists', user: 'alice', args: ['--role', 'debug', '--provider', 'parked', '--duration', '10m', '--reason', 'x'], code: 'provider_not_allowed' },
    { rule: 'the provider must be enabled', user: 'alice', args: ['--role', 'parked-role', '--provider', 'parked', '--duration', '10m', '--reason', 'x'], code: 'provider_disabled' },
    { rule: 'the duration must not exceed the role maximum', user: 'alice', args: ['--role', 'debug', '--provider', 'box', '--duration', '2h', '--reason', 'x'], code: 'duration_exceeds_max' },
    { rule: 'a reason is required', user: 'alice', args: ['--role', 'debug', '--provider', 'box', '--duration', '10m', '--reason', '   '], code: 'reason_required' },
    { rule: 'the duration must parse', user: 'alice', args: ['--role', 'debug', '--provider', 'box', '--duration', 'soon', '--reason', 'x'], code: 'invalid_input' },
  ];

  for (const c of cases) {
    it(`refuses when ${c.rule} (${c.code})`, async () => {
      const r = await runLease(['request', ...c.args, '--json'], { env: env(c.user) });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`\\[${c.code}\\]`));
      assert.equal(r.stdout, '', 'nothing printed as a result');
    });
  }

  it('granted nothing for any refusal', async () => {
    const files = await readdir(deployment.sudoers).catch(() => []);
    assert.deepEqual(files, []);
  });

  it('answers JSON errors over HTTP: 401 without a token, 400 for bad bodies', async () => {
    const noToken = await fetch(`${server.url}/api/v1/requests`);
    assert.equal(noToken.status, 401);
    assert.equal(((await noToken.json()) as { error: { code: string } }).error.code, 'unauthenticated');
    const badToken = await fetch(`${server.url}/api/v1/roles`, { headers: { authorization: 'Bearer not-a-token' } });
    assert.equal(badToken.status, 401);
    assert.ok(((await badToken.json()) as { error: { message: string } }).error.message);

    const login = await fetch(`${server.url}/api/v1/auth/local/login`, { method: 'POST', body: JSON.stringify({ username: 'alice', password: PASSWORDS.alice }), headers: { 'content-type': 'application/json' } });
    assert.equal(login.status, 200);
    const { token, expires_at } = (await login.json()) as { token: string; expires_at: string };
    assert.ok(!Number.isNaN(Date.parse(expires_at)));
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const notJson = await fetch(`${server.url}/api/v1/requests`, { method: 'POST', headers, body: '{oops' });
    assert.equal(notJson.status, 400);
    const unknownField = await fetch(`${server.url}/api/v1/requests`, { method: 'POST', headers, body: JSON.stringify({ role: 'debug', provider: 'box', duration: '1m', reason: 'x', colour: 'red' }) });
    assert.equal(unknownField.status, 400);
    const missing = (await (await fetch(`${server.url}/api/v1/requests`, { method: 'POST', headers, body: JSON.stringify({ role: 'debug' }) })).json()) as { error: { code: string; field?: string } };
    assert.equal(missing.error.code, 'invalid_input');
    assert.equal(missing.error.field, 'duration', 'provider may be left out: the role\'s only one is used');
    const wrongPassword = await fetch(`${server.url}/api/v1/auth/local/login`, { method: 'POST', body: JSON.stringify({ username: 'alice', password: 'wrong' }) });
    assert.equal(wrongPassword.status, 401);
    assert.equal(((await wrongPassword.json()) as { error: { code: string } }).error.code, 'invalid_credentials');
  });

  it('publishes an OpenAPI document generated from the schemas', async () => {
    const doc = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    assert.equal(doc.openapi, '3.1.0');
    for (const p of ['/api/v1/requests', '/api/v1/requests/{id}', '/api/v1/requests/{id}/revoke', '/api/v1/roles', '/api/v1/providers', '/api/v1/audit', '/api/v1/auth/{provider}/login']) {
      assert.ok(doc.paths[p], `openapi has ${p}`);
    }
    const health = await fetch(`${server.url}/health`);
    assert.deepEqual(await health.json(), { status: 'ok' });
  });

  it('a failed login leaves the stored session untouched', async () => {
    const before = await runLease(['whoami', '--json'], { env: env('alice') });
    const failed = await runLease(['login', '--server', server.url, '--provider', 'local', '--username', 'alice', '--password-stdin'], { env: env('alice'), input: 'wrong-password' });
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /invalid_credentials/);
    const afterwards = await runLease(['whoami', '--json'], { env: env('alice') });
    assert.equal(afterwards.stdout, before.stdout);
  });
});
