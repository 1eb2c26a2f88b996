// The server's log at `info` tells an operator what happened to every request — created,
// refused, approved or rejected, granted, revoked, expired — and when the server stopped, each
// line with the request, user (<identity provider>:<user>), role and provider; and never a
// password or token.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer, type ServerProcess } from '../support/lease-process.js';
import { apiLogin, createDeployment, PASSWORDS, type Deployment } from './fixtures.js';

interface RequestJson {
  id: string;
  status: string;
  outcome: { code: string } | null;
}

interface LogLine {
  level: number;
  msg: string;
  request?: string;
  user?: string;
  role?: string;
  provider?: string;
  [key: string]: unknown;
}

const INFO = 30;

describe('the server log', () => {
  let deployment: Deployment;
  let server: ServerProcess;
  const tokens: Record<string, string> = {};

  const call = async <T>(user: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> => {
    const r = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[user]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, json: (await r.json()) as T };
  };
  const ask = async (role: string, duration: string): Promise<RequestJson> => {
    const r = await call<RequestJson>('alice', 'POST', '/api/v1/requests', { role, duration, reason: `log test ${role}` });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    return r.json;
  };
  const until = async (id: string, statuses: string): Promise<RequestJson> => {
    const r = await call<RequestJson>('alice', 'GET', `/api/v1/requests/${id}?until=${statuses}&timeout=60`);
    return r.json;
  };

  before(async () => {
    deployment = await createDeployment({ visudo: false });
    await writeFile(
      join(deployment.config, 'approvals.yaml'),
      `version: "1.0"
roles:
  deploy:
    name: Deploy
    description: Needs an approver
    workflow: two-eyes
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    approvals:
      approvers: { groups: [ops] }
workflows:
  two-eyes:
    workflow:
      document: { dsl: "1.0.0", namespace: lease, name: two-eyes, version: "1.0.0" }
      do:
        - validate: { call: lease.validate }
        - approve:
            call: lease.approvals
            with: { count: 1, timeout: PT10M }
        - authorize: { call: lease.authorize }
`,
    );
    server = await startServer({ config: deployment.config, data: deployment.data, env: { LEASE_LOG_LEVEL: 'info' } });
    for (const user of ['alice', 'bob', 'carol'] as const) tokens[user] = await apiLogin(server.url, user);
  });

  after(async () => {
    await server?.stop();
    await deployment?.cleanup();
  });

  it('has every lifecycle event at info, with request, user, role and provider, and no secret', async () => {
    const revoked = await ask('debug', '10m');
    assert.equal((await until(revoked.id, 'active,failed,denied')).status, 'active');
    assert.equal((await call('alice', 'POST', `/api/v1/requests/${revoked.id}/revoke`, { reason: 'done' })).status, 202);
    assert.equal((await until(revoked.id, 'revoked,failed')).status, 'revoked');

    // Long enough to be granted before it ends, whatever the machine's load; the test waits for the expiry.
    const expired = await ask('debug', '3s');
    const ended = await until(expired.id, 'revoked,failed,denied');
    assert.equal(ended.outcome?.code, 'expired', JSON.stringify(ended));

    const approved = await ask('deploy', '10m');
    assert.equal((await call('bob', 'POST', `/api/v1/requests/${approved.id}/approve`, {})).status, 202);
    assert.equal((await until(approved.id, 'active,failed,denied')).status, 'active');

    const rejected = await ask('deploy', '10m');
    assert.equal((await call('bob', 'POST', `/api/v1/requests/${rejected.id}/deny`, { reason: 'not now' })).status, 202);
    assert.equal((await until(rejected.id, 'denied,failed,active')).status, 'denied');

    const refused = await call<{ error: { code: string } }>('carol', 'POST', '/api/v1/requests', { role: 'debug', duration: '5m', reason: 'no scope' });
    assert.equal(refused.json.error.code, 'not_in_scope');

    await server.stop();
    const lines = server.output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
    const find = (msg: string, request?: string) => lines.find((l) => l.msg === msg && (request === undefined || l.request === request));
    const expect = (msg: string, request: string, role: string, extra: Partial<LogLine> = {}) => {
      const line = find(msg, request);
      assert.ok(line, `"${msg}" for ${request} is logged; got:\n${lines.map((l) => `${l.msg} ${l.request ?? ''}`).join('\n')}`);
      assert.equal(line.level, INFO, msg);
      assert.deepEqual({ user: line.user, role: line.role, provider: line.provider }, { user: 'local:alice', role, provider: 'box' }, msg);
      for (const [key, value] of Object.entries(extra)) assert.equal(line[key], value, `${msg}: ${key}`);
    };

    for (const id of [revoked.id, expired.id, approved.id, rejected.id]) expect('request created', id, id === revoked.id || id === expired.id ? 'debug' : 'deploy');
    expect('lease granting', revoked.id, 'debug');
    expect('lease granted', revoked.id, 'debug');
    expect('revoke requested', revoked.id, 'debug', { by: 'local:alice' });
    expect('lease revoking', revoked.id, 'debug');
    expect('lease revoked', revoked.id, 'debug');
    expect('lease granted', expired.id, 'debug');
    expect('lease expired', expired.id, 'debug');
    expect('request approved', approved.id, 'deploy', { approver: 'local:bob' });
    expect('lease granted', approved.id, 'deploy');
    expect('request rejected', rejected.id, 'deploy', { approver: 'local:bob' });
    expect('request denied', rejected.id, 'deploy');
    const policy = find('request denied by policy');
    assert.deepEqual({ level: policy?.level, user: policy?.user, role: policy?.role, code: policy?.code }, { level: INFO, user: 'local:carol', role: 'debug', code: 'not_in_scope' });
    for (const msg of ['lease server ready', 'lease server stopping', 'lease server stopped']) assert.equal(find(msg)?.level, INFO, msg);

    for (const secret of [...Object.values(PASSWORDS), ...Object.values(tokens)]) assert.ok(!server.output.includes(secret), 'no password or token in the log');
    // Reasons are people's words, kept in the audit and shown escaped by the CLI: the lifecycle lines carry ids.
    assert.deepEqual(lines.filter((l) => 'reason' in l && /^(request|lease|revoke) /.test(l.msg)), []);
  });
});
