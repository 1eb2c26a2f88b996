// Slack approvals end to end: a real Lease server and CLI, the Slack Web API emulator (emulate
// 0.12.2, strict scopes), Thand's approval workflow unchanged (thand.notify with approvals: true,
// then listen for com.thand.approval) through a `slack` provider. Clicks are played as Slack
// sends them (form-encoded payload, X-Slack-Signature v0 over the raw body). Only an approver's
// signed, fresh, first-seen click moves the request; every other click is refused and audited.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { leaseJson, startServer, waitUntil, type ServerProcess } from '../support/lease-process.js';
import { registerTestSecret } from '../support/secrets.js';
import { BOT_TOKEN, clickPayload, postInteraction, send, startSlackEmulator, type SlackEmulator, type SlackMessage } from '../support/slack-emulator.js';
import { apiLogin, createDeployment, loginAs, type Deployment } from './fixtures.js';

const SIGNING_SECRET = 'lease-e2e-slack-signing-secret';
registerTestSecret(SIGNING_SECRET, BOT_TOKEN);

interface RequestJson {
  id: string;
  status: string;
  outcome: { code: string; message: string } | null;
}

interface AuditEntry {
  actor: string;
  action: string;
  subject: string | null;
  data: Record<string, unknown>;
}

function slackConfig(slack: SlackEmulator): string {
  return `version: "1.0"
roles:
  deploy:
    name: Deploy
    description: Ship a release, approved in Slack
    workflow: slack_approval
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    approvals:
      approvers: { groups: [ops] }
providers:
  slack:
    name: Slack
    provider: slack
    config:
      bot_token: ${BOT_TOKEN}
      signing_secret: ${SIGNING_SECRET}
      api_url: ${slack.apiUrl}
      expiry_warning: 20s
workflows:
  slack_approval:
    name: Slack approval
    description: Thand's approval flow, unchanged
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
              provider: slack
              to: ${slack.channelId}
              message: '\${ .user.name + " asks for " + .role.name }'
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
`;
}

describe('Slack approvals (emulate Slack, real server and CLI)', () => {
  let deployment: Deployment;
  let server: ServerProcess;
  let slack: SlackEmulator;
  const env = (user: string) => ({ LEASE_HOME: deployment.home(user) });

  before(async () => {
    deployment = await createDeployment({ visudo: false });
    // The local provider is trusted to assert its users' addresses: Slack clicks map to them by e-mail.
    const providersFile = join(deployment.config, 'providers.yaml');
    await writeFile(providersFile, (await readFile(providersFile, 'utf8')).replace('    config:\n      users:', '    config:\n      trust_email: true\n      users:'));
  });

  after(async () => {
    await server?.stop();
    await deployment?.cleanup();
  });

  it('posts the request with buttons; only a signed, fresh, first-seen click by an approver grants; the requester hears of grant, expiry and end', async (t) => {
    const started = await startSlackEmulator(t);
    if (!started) return;
    slack = started;
    await writeFile(join(deployment.config, 'slack.yaml'), slackConfig(slack));
    server = await startServer({ config: deployment.config, data: deployment.data });
    for (const user of ['alice', 'bob'] as const) await loginAs(deployment, server.url, user);
    const bobToken = await apiLogin(server.url, 'bob');
    const audit = async (subject: string | null): Promise<AuditEntry[]> => {
      const r = await fetch(`${server.url}/api/v1/audit?limit=1000${subject ? `&subject=${subject}` : ''}`, { headers: { authorization: `Bearer ${bobToken}` } });
      assert.equal(r.status, 200);
      return ((await r.json()) as { entries: AuditEntry[] }).entries;
    };
    const refusals = async (subject: string | null) => (await audit(subject)).filter((e) => e.action === 'slack.decision_refused').map((e) => e.data.code);

    const request = await leaseJson<RequestJson>(['request', '--role', 'deploy', '--provider', 'box', '--duration', '40s', '--reason', 'release <!channel> 2.0', '--json'], env('alice'));
    assert.equal(request.status, 'pending');
    const message = await waitUntil('the approval message in #access-requests', async () => (await slack.history(slack.channelId)).find((m) => JSON.stringify(m.blocks ?? []).includes(request.id)), 60_000, 200);
    const buttons = message.blocks?.find((b) => b.type === 'actions') as { elements: Array<{ action_id: string; value: string }> };
    assert.deepEqual(buttons.elements.map((e) => [e.action_id, e.value]), [['lease_approve', request.id], ['lease_deny', request.id]]);
    const blocksText = JSON.stringify(message.blocks);
    assert.ok(blocksText.includes('release &lt;!channel&gt; 2.0'), 'the reason is escaped');
    assert.ok(blocksText.includes('Alice asks for Deploy'));

    const click = (user: string, action: 'lease_approve' | 'lease_deny' = 'lease_approve') =>
      clickPayload({ user: slack.users[user]!, teamId: slack.teamId, channel: slack.channelId, ts: message.ts, action, requestId: request.id });

    await t.test('a bad signature is refused (401) and audited', async () => {
      const r = await postInteraction(server.url, click('bob'), { secret: 'not-the-signing-secret' });
      assert.equal(r.status, 401);
      assert.equal((r.body.error as { code: string }).code, 'invalid_signature');
      const unsigned = await fetch(`${server.url}/api/v1/integrations/slack/interactions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'payload={}' });
      assert.equal(unsigned.status, 401);
      assert.ok((await refusals(null)).filter((c) => c === 'invalid_signature').length >= 2);
    });

    await t.test('a correctly signed but stale timestamp is refused (401) and audited', async () => {
      const r = await postInteraction(server.url, click('bob'), { secret: SIGNING_SECRET, timestamp: Math.floor(Date.now() / 1000) - 10 * 60 });
      assert.equal(r.status, 401);
      assert.equal((r.body.error as { code: string }).code, 'stale_request');
      assert.ok((await refusals(null)).includes('stale_request'));
    });

    await t.test('a non-approver, the requester and an unknown Slack user get an ephemeral refusal; nothing is decided; each is audited', async () => {
      for (const [user, code, text] of [
        ['carol', 'not_an_approver', /not an approver/],
        ['alice', 'self_approval_forbidden', /own request/],
        ['mallory', 'unknown_identity', /No identity provider/],
      ] as const) {
        const r = await postInteraction(server.url, click(user), { secret: SIGNING_SECRET });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.response_type, 'ephemeral');
        assert.match(String(r.body.text), text);
        assert.ok((await refusals(request.id)).includes(code), `${code} audited`);
      }
      assert.equal((await leaseJson<RequestJson>(['status', request.id, '--json'], env('alice'))).status, 'pending');
    });

    let approval: Awaited<ReturnType<typeof postInteraction>>;
    await t.test('an approver\'s click approves as that identity; the message is updated with who decided', async () => {
      approval = await postInteraction(server.url, click('bob'), { secret: SIGNING_SECRET });
      assert.equal(approval.status, 200, JSON.stringify(approval.body));
      assert.match(String(approval.body.text), /You approved/);
      await waitUntil('the request to become active', async () => ((await leaseJson<RequestJson>(['status', request.id, '--json'], env('alice'))).status === 'active' ? true : undefined), 60_000, 200);
      const approved = (await audit(request.id)).find((e) => e.action === 'request.approved');
      assert.equal(approved?.actor, 'local:bob');
      assert.equal(approved?.data.channel, 'slack');
      const updated = await waitUntil('the message to be updated', async () => {
        const m = (await slack.history(slack.channelId)).find((x) => x.ts === message.ts);
        return m?.edited ? m : undefined;
      }, 30_000, 200);
      assert.equal(updated.blocks?.some((b) => b.type === 'actions'), false, 'no more buttons');
      assert.match(JSON.stringify(updated.blocks), /Approved by Bob \(bob@example\.com\)/);
    });

    await t.test('the same signed click sent again is refused as a replay (409) and audited', async () => {
      const r = await send(server.url, approval.sent);
      assert.equal(r.status, 409);
      assert.equal((r.body.error as { code: string }).code, 'replayed_request');
      assert.ok((await refusals(null)).includes('replayed_request'));
    });

    await t.test('the requester gets direct messages when granted, before expiry and when it ends', async () => {
      const dm = await slack.dmChannel('alice');
      const texts = async () => (await slack.history(dm)).map((m: SlackMessage) => m.text).filter((x) => x.includes(request.id));
      await waitUntil('the granted DM', async () => ((await texts()).some((x) => /is granted until/.test(x)) ? true : undefined), 30_000, 200);
      await waitUntil('the expiry warning DM', async () => ((await texts()).some((x) => /expires soon/.test(x)) ? true : undefined), 60_000, 250);
      await waitUntil('the request to end', async () => ((await leaseJson<RequestJson>(['status', request.id, '--json'], env('alice'))).status === 'revoked' ? true : undefined), 90_000, 250);
      await waitUntil('the ended DM', async () => ((await texts()).some((x) => /has ended/.test(x)) ? true : undefined), 30_000, 200);
      const order = (await texts()).reverse();
      assert.deepEqual(order.map((x) => (/granted/.test(x) ? 'granted' : /expires soon/.test(x) ? 'expiring' : 'ended')), ['granted', 'expiring', 'ended']);
    });

    await t.test('the log has no bot token or signing secret', () => {
      assert.equal(server.output.includes(BOT_TOKEN), false);
      assert.equal(server.output.includes(SIGNING_SECRET), false);
    });
  });
});
