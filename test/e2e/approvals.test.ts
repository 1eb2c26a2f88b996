// Approvals through the API and the CLI: the workflow waits for an approver's decision; nobody
// approves their own request; only approvers may decide; a denial ends the request.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { leaseJson, runLease, startServer, waitUntil, type ServerProcess } from '../support/lease-process.js';
import { apiLogin, createDeployment, loginAs, type Deployment } from './fixtures.js';

interface RequestJson {
  id: string;
  status: string;
  outcome: { code: string } | null;
}

describe('approvals', () => {
  let deployment: Deployment;
  let server: ServerProcess;
  const env = (user: string) => ({ LEASE_HOME: deployment.home(user) });
  const ask = (reason: string) =>
    leaseJson<RequestJson>(['request', '--role', 'deploy', '--provider', 'box', '--duration', '5m', '--reason', reason, '--json'], env('alice'));

  const hooks: Array<{ request: { id: string }; message: string; to: string }> = [];
  let hookServer: Server;

  before(async () => {
    // A real webhook receiver: the workflow notifies approvers through it.
    hookServer = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        hooks.push(JSON.parse(body) as (typeof hooks)[number]);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/lease`;
    deployment = await createDeployment({ visudo: false });
    await writeFile(
      join(deployment.config, 'approvals.yaml'),
      `version: "1.0"
roles:
  deploy:
    name: Deploy
    description: Needs a second pair of eyes
    workflow: two-eyes
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    approvals:
      approvers: { groups: [ops] }
providers:
  ops-hook:
    name: Ops webhook
    provider: webhook
    config: { url: "${hookUrl}" }
workflows:
  two-eyes:
    workflow:
      document: { dsl: "1.0.0", namespace: lease, name: two-eyes, version: "1.0.0" }
      do:
        - validate: { call: lease.validate }
        - tell:
            call: lease.notify
            with: { provider: ops-hook, to: ops, message: '\${ "please approve: " + $context.reason }' }
        - approve:
            call: lease.approvals
            with: { count: 1, timeout: PT5M }
        - authorize: { call: lease.authorize }
`,
    );
    server = await startServer({ config: deployment.config, data: deployment.data });
    for (const user of ['alice', 'bob', 'carol'] as const) await loginAs(deployment, server.url, user);
  });

  after(async () => {
    await server?.stop();
    await deployment?.cleanup();
    await new Promise<void>((resolve) => hookServer.close(() => resolve()));
  });

  it('waits for an approver, refuses self-approval and outsiders, then grants', async () => {
    const request = await ask('release 1.2');
    assert.equal(request.status, 'pending');
    const hook = await waitUntil('the approvers\' webhook', async () => hooks.find((h) => h.request.id === request.id));
    assert.equal(hook.message, 'please approve: release 1.2');
    assert.equal(hook.to, 'ops');

    const self = await runLease(['approve', request.id], { env: env('alice') });
    assert.notEqual(self.code, 0);
    assert.match(self.stderr, /self_approval_forbidden/);

    const outsider = await runLease(['approve', request.id], { env: env('carol') });
    assert.notEqual(outsider.code, 0);
    assert.match(outsider.stderr, /request_not_found/);

    await leaseJson(['approve', request.id, '--reason', 'looks fine', '--json'], env('bob'));
    const granted = await leaseJson<RequestJson>(['status', request.id, '--json'], env('alice'));
    const final = granted.status === 'active' ? granted : await (async () => {
      const token = await apiLogin(server.url, 'alice');
      const r = await fetch(`${server.url}/api/v1/requests/${request.id}?until=active,failed,denied&timeout=10`, { headers: { authorization: `Bearer ${token}` } });
      return (await r.json()) as RequestJson;
    })();
    assert.equal(final.status, 'active');

    const twice = await runLease(['approve', request.id], { env: env('bob') });
    assert.notEqual(twice.code, 0);
    assert.match(twice.stderr, /not_pending/);
  });

  it('a denial ends the request as denied', async () => {
    const request = await ask('risky change');
    await leaseJson(['deny', request.id, '--reason', 'not now', '--json'], env('bob'));
    const token = await apiLogin(server.url, 'alice');
    const r = await fetch(`${server.url}/api/v1/requests/${request.id}?until=denied,failed,active&timeout=10`, { headers: { authorization: `Bearer ${token}` } });
    const final = (await r.json()) as RequestJson;
    assert.equal(final.status, 'denied');
    assert.equal(final.outcome?.code, 'approval_denied');
  });

  it('only administrators may send raw events to a workflow', async () => {
    const request = await ask('events');
    const token = await apiLogin(server.url, 'alice');
    const forged = await fetch(`${server.url}/api/v1/requests/${request.id}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'com.lease.approval', data: { approved: true, approver: 'bob' } }),
    });
    assert.equal(forged.status, 403);
    assert.equal(((await forged.json()) as { error: { code: string } }).error.code, 'admin_required');
    const status = await leaseJson<RequestJson>(['status', request.id, '--json'], env('alice'));
    assert.equal(status.status, 'pending');
  });
});
