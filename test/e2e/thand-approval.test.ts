// The Thand-style approval workflow (validate → notify → listen for approvals → switch on the
// decision → authorize → monitor → revoke) through the API on both engines: real processes,
// real approval events (`lease approve` / `lease deny`), a real webhook receiver and, on
// `server.engine: temporal`, a real Temporal dev server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startTemporalDevServer } from '../support/temporal.js';
import { leaseJson, startServer, waitUntil, type ServerProcess } from '../support/lease-process.js';
import { apiLogin, createDeployment, loginAs, type Deployment } from './fixtures.js';

interface RequestJson {
  id: string;
  status: string;
  outcome: { code: string; message: string } | null;
}

interface Hook {
  request: { id: string };
  message: string;
  to: string;
}

const THAND_WORKFLOW = `version: "1.0"
roles:
  release:
    name: Release
    description: Ship a release, with an approver
    workflow: slack_approval
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    approvals:
      approvers: { groups: [ops] }
providers:
  ops-hook:
    name: Ops webhook
    provider: webhook
    config: { url: "HOOK_URL" }
workflows:
  slack_approval:
    name: Approval
    description: Thand's approval flow
    authentication: default
    workflow:
      document: { dsl: "1.0.0-alpha5", namespace: thand, name: slack-approval, version: "1.0.0" }
      do:
        - validate:
            thand: validate
            with: { validator: static }
        - notify:
            call: thand.notify
            with:
              provider: ops-hook
              to: ops
              message: '\${ .user.name + " asks for " + .role.name + ": " + .reason }'
              approvals: true
        - waitForApproval:
            listen:
              to:
                one:
                  with:
                    type: com.thand.approval
        - decide:
            switch:
              - approved:
                  when: \${ .data.approved == true }
                  then: authorize
              - denied:
                  then: end
        - authorize:
            thand: authorize
            with: { revocation: revoke }
        - monitor:
            thand: monitor
            with: { threshold: 5 }
        - revoke:
            thand: revoke
            with: { reason: monitor }
`;

for (const engine of ['embedded', 'temporal'] as const) {
  describe(`Thand approval workflow through the API (${engine} engine)`, () => {
    let deployment: Deployment;
    let hookServer: Server;
    const hooks: Hook[] = [];
    const env = (user: string) => ({ LEASE_HOME: deployment.home(user) });
    const ask = (reason: string) =>
      leaseJson<RequestJson>(['request', '--role', 'release', '--provider', 'box', '--duration', '10m', '--reason', reason, '--json'], env('alice'));

    before(async () => {
      hookServer = createServer((req, res) => {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          hooks.push(JSON.parse(body) as Hook);
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
      deployment = await createDeployment({ visudo: false });
      const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/lease`;
      await writeFile(join(deployment.config, 'release.yaml'), THAND_WORKFLOW.replace('HOOK_URL', hookUrl));
    });

    after(async () => {
      await deployment?.cleanup();
      await new Promise<void>((resolve) => hookServer.close(() => resolve()));
    });

    async function waitForStatus(id: string, statuses: string[]): Promise<RequestJson> {
      return waitUntil(`request ${id} to become ${statuses.join('|')}`, async () => {
        const s = await leaseJson<RequestJson>(['status', id, '--json'], env('alice'));
        return statuses.includes(s.status) ? s : undefined;
      }, 60_000, 200);
    }

    it('approves, grants and revokes on an alert; a denial grants nothing', async (t) => {
      if (engine === 'temporal') {
        // Lives until this test ends (t.after); the server below stops first.
        const temporal = await startTemporalDevServer(t);
        if (!temporal) return;
        await writeFile(
          join(deployment.config, 'server.yaml'),
          `version: "1.0"
server:
  engine: temporal
  admins: { groups: [ops] }
services:
  temporal: { address: ${temporal.address}, namespace: default, task_queue: lease-e2e-thand }
`,
        );
      }
      const server = await startServer({ config: deployment.config, data: deployment.data });
      try {
        for (const user of ['alice', 'bob'] as const) await loginAs(deployment, server.url, user);
        await t.test('approved: notifies, waits, grants, and an alert revokes early through monitor', () => approvedThenAlert(server));
        await t.test('denied: the switch ends the workflow without granting', () => denied());
      } finally {
        await server.stop();
      }
    });

    async function approvedThenAlert(server: ServerProcess): Promise<void> {
      const request = await ask('release 2.0');
      assert.equal(request.status, 'pending');
      const hook = await waitUntil('the approvers\' webhook', async () => hooks.find((h) => h.request.id === request.id), 60_000);
      assert.equal(hook.message, 'Alice asks for Release: release 2.0');
      assert.equal(hook.to, 'ops');
      // Nothing is granted while the workflow listens.
      assert.equal((await leaseJson<RequestJson>(['status', request.id, '--json'], env('alice'))).status, 'pending');
      assert.equal(existsSync(join(deployment.sudoers, `lease-${request.id}`)), false);

      await leaseJson(['approve', request.id, '--reason', 'ship it', '--json'], env('bob'));
      await waitForStatus(request.id, ['active']);
      assert.ok(existsSync(join(deployment.sudoers, `lease-${request.id}`)), 'the sudo rule is in place');

      // An alert below the threshold is ignored; one above it revokes the lease early.
      const token = await apiLogin(server.url, 'bob');
      const alert = async (severity: number) => {
        const r = await fetch(`${server.url}/api/v1/requests/${request.id}/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'com.thand.alert.event', data: { severity, reason: 'odd activity' } }),
        });
        assert.equal(r.status, 202, await r.text());
      };
      await alert(2);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await leaseJson<RequestJson>(['status', request.id, '--json'], env('alice'))).status, 'active');
      await alert(9);
      const revoked = await waitForStatus(request.id, ['revoked']);
      // Revoked by the workflow's own `revoke` step (its reason), minutes before the lease's expiry.
      assert.deepEqual(revoked.outcome, { code: 'revoked', message: 'monitor' });
      assert.equal(existsSync(join(deployment.sudoers, `lease-${request.id}`)), false, 'the sudo rule is gone');
    }

    async function denied(): Promise<void> {
      const request = await ask('risky');
      await waitUntil('the approvers\' webhook', async () => hooks.find((h) => h.request.id === request.id), 60_000);
      await leaseJson(['deny', request.id, '--reason', 'not today', '--json'], env('bob'));
      const final = await waitForStatus(request.id, ['denied', 'failed', 'active', 'revoked']);
      assert.equal(final.status, 'denied');
      assert.equal(existsSync(join(deployment.sudoers, `lease-${request.id}`)), false);
    }
  });
}
