// People in the loop, through the real server and CLI: a role whose requester is on call on its
// PagerDuty schedule is granted without any approver; not on call (Opsgenie) it waits for the
// approvers; with the on-call service down it waits too, and the failure is audited. A role whose
// workflow notifies Microsoft Teams posts an Adaptive Card linking to the request's page.
// PagerDuty, Opsgenie and Teams are cloud services only: contract servers (*.fake.ts) stand in.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { leaseJson, startServer, waitUntil, type ServerProcess } from '../support/lease-process.js';
import { registerTestSecret } from '../support/secrets.js';
import { startPagerdutyFake, type PagerdutyFake } from '../../src/providers/pagerduty/contract-server.fake.js';
import { startOpsgenieFake } from '../../src/providers/opsgenie/contract-server.fake.js';
import type { ScheduleFake } from '../../src/providers/on-call/schedule-server.fake.js';
import { startTeamsWebhookFake, type TeamsWebhookFake } from '../../src/providers/teams/contract-server.fake.js';
import { createDeployment, loginAs, type Deployment } from './fixtures.js';

interface RequestJson {
  id: string;
  status: string;
}

type AuditEntry = { actor: string; action: string; subject: string | null; data: Record<string, unknown> };

const PD_TOKEN = 'pd-e2e-token-4f1c2a9d';
const OG_KEY = 'og-e2e-key-7b3e9c1f';

describe('on-call auto-approval and Teams notifications', () => {
  let deployment: Deployment;
  let server: ServerProcess;
  let pagerduty: PagerdutyFake;
  let opsgenie: ScheduleFake;
  let teams: TeamsWebhookFake;
  const env = (user: string) => ({ LEASE_HOME: deployment.home(user) });
  const ask = (role: string, reason: string) =>
    leaseJson<RequestJson>(['request', '--role', role, '--provider', 'box', '--duration', '5m', '--reason', reason, '--json'], env('alice'));
  const audit = (id: string) => leaseJson<AuditEntry[]>(['audit', '--subject', id, '--json'], env('bob'));

  before(async () => {
    registerTestSecret(PD_TOKEN, OG_KEY);
    pagerduty = await startPagerdutyFake(PD_TOKEN);
    opsgenie = await startOpsgenieFake(OG_KEY);
    teams = await startTeamsWebhookFake();
    registerTestSecret(new URL(teams.url).pathname);
    // On call all day, whenever the test runs.
    pagerduty.setShifts('PONCALL', [{ email: 'alice@example.com' }, { email: 'dave@example.com' }]);
    opsgenie.setShifts('og-schedule-id', [{ email: 'bob@example.com' }]);
    deployment = await createDeployment({ visudo: false });
    await writeFile(
      join(deployment.config, 'people.yaml'),
      `version: "1.0"
providers:
  pd:
    name: PagerDuty
    provider: pagerduty
    config: { token: "\${PD_TOKEN}", api_url: "${pagerduty.url}" }
  og:
    name: Opsgenie
    provider: opsgenie
    config: { api_key: "\${OG_KEY}", api_url: "${opsgenie.url}" }
  pd-down:
    name: PagerDuty, unreachable
    provider: pagerduty
    config: { token: "\${PD_TOKEN}", api_url: "http://127.0.0.1:1", max_attempts: 2 }
  ops-teams:
    name: Ops channel
    provider: teams
    config: { webhook_url: "\${TEAMS_WEBHOOK_URL}" }
roles:
  on-call-debug:
    name: On-call debug
    description: Whoever is on call gets it at once
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    approvals:
      approvers: { groups: [ops] }
      required: 2
      auto_approve_on_call: { provider: pd, schedule: PONCALL }
  og-debug:
    name: Opsgenie debug
    description: On call on the Opsgenie schedule
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    approvals:
      approvers: { groups: [ops] }
      auto_approve_on_call: { provider: og, schedule: og-schedule-id }
  down-debug:
    name: Down debug
    description: The on-call service is down
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    approvals:
      approvers: { groups: [ops] }
      auto_approve_on_call: { provider: pd-down, schedule: PONCALL }
  teams-debug:
    name: Teams debug
    description: Approvers are told in Teams
    workflow: tell-teams
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    approvals:
      approvers: { groups: [ops] }
workflows:
  tell-teams:
    workflow:
      document: { dsl: "1.0.0", namespace: lease, name: tell-teams, version: "1.0.0" }
      do:
        - validate: { call: lease.validate }
        - tell:
            call: lease.notify
            with: { provider: ops-teams, to: ops, message: '\${ "please approve: " + $context.reason }' }
        - approve: { call: lease.approvals, with: { count: 1, timeout: PT5M } }
        - authorize: { call: lease.authorize }
`,
    );
    server = await startServer({ config: deployment.config, data: deployment.data, env: { PD_TOKEN, OG_KEY, TEAMS_WEBHOOK_URL: teams.url } });
    for (const user of ['alice', 'bob'] as const) await loginAs(deployment, server.url, user);
  });

  after(async () => {
    await server?.stop();
    await deployment?.cleanup();
    await pagerduty?.close();
    await opsgenie?.close();
    await teams?.close();
  });

  it('grants a requester on call on the PagerDuty schedule without any approver, audited as Lease with the schedule and who was on call', async () => {
    const created = await ask('on-call-debug', 'paged for INC-7');
    const active = await waitUntil('the on-call request to be active', async () => {
      const r = await leaseJson<RequestJson>(['status', created.id, '--json'], env('alice'));
      return r.status === 'active' ? r : undefined;
    });
    assert.equal(active.status, 'active');
    const approved = (await audit(created.id)).find((e) => e.action === 'request.approved');
    assert.equal(approved?.actor, 'lease:on-call:pd');
    assert.equal(approved?.data.channel, 'on-call');
    assert.equal(approved?.data.schedule, 'PONCALL');
    assert.deepEqual(approved?.data.on_call, ['alice@example.com', 'dave@example.com']);
    assert.ok(pagerduty.requests.some((r) => r.url.startsWith('/schedules/PONCALL/users?')));
  });

  it('leaves a requester who is not on call (Opsgenie) to the approvers', async () => {
    const created = await ask('og-debug', 'not my shift');
    assert.equal(created.status, 'pending');
    const checked = (await audit(created.id)).find((e) => e.action === 'request.on_call_checked');
    assert.deepEqual(checked?.data, { on_call_provider: 'og', schedule: 'og-schedule-id', on_call: ['bob@example.com'], matched: false });
    await leaseJson(['approve', created.id, '--json'], env('bob'));
    await waitUntil('the approved request to be active', async () => {
      const r = await leaseJson<RequestJson>(['status', created.id, '--json'], env('alice'));
      return r.status === 'active' ? r : undefined;
    });
  });

  it('leaves the request pending and audits the failure when the on-call service is down', async () => {
    const created = await ask('down-debug', 'pager is down');
    assert.equal(created.status, 'pending');
    const failed = (await audit(created.id)).find((e) => e.action === 'request.on_call_check_failed');
    assert.equal(failed?.data.on_call_provider, 'pd-down');
    assert.match(String(failed?.data.message), /not reachable/);
    const still = await leaseJson<RequestJson>(['status', created.id, '--json'], env('alice'));
    assert.equal(still.status, 'pending');
    assert.ok(!server.output.includes(PD_TOKEN));
  });

  it('posts an Adaptive Card to Teams with a link to the request\'s page', async () => {
    const created = await ask('teams-debug', 'need *logs* [now](https://evil.example)');
    const message = await waitUntil('the Teams card', async () =>
      teams.received.find((m) => JSON.stringify(m).includes(created.id)),
    );
    const [attachment] = message.attachments as Array<{ contentType: string; content: { actions: Array<{ type: string; url: string }>; body: Array<{ type: string; facts?: Array<{ title: string; value: string }> }> } }>;
    assert.equal(attachment?.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.deepEqual(attachment?.content.actions, [{ type: 'Action.OpenUrl', title: 'Open the request', url: `${server.url}/requests/${created.id}` }]);
    const facts = Object.fromEntries(attachment!.content.body.find((b) => b.type === 'FactSet')!.facts!.map((f) => [f.title, f.value]));
    assert.equal(facts.Role, 'teams\\-debug');
    assert.equal(facts.Duration, 'PT5M');
    assert.equal(facts.Reason, 'need \\*logs\\* \\[now\\]\\(https://evil\\.example\\)');
    assert.ok(!server.output.includes(new URL(teams.url).pathname), 'the webhook URL is never logged');
  });
});
