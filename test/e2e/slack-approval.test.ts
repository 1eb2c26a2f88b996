// Slack approvals end to end: a real Lease server and CLI, the Slack Web API emulator (emulate
// 0.12.2, strict scopes), Thand's approval workflow unchanged (thand.notify with approvals: true,
// then listen for com.thand.approval) through a `slack` provider. Clicks are played as Slack
// sends them (form-encoded payload, X-Slack-Signature v0 over the raw body). Only an approver's
// signed, fresh, first-seen click moves the request; every other click is refused and audited.
import { after, before, describe, it, type TestContext } from 'node:test';
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

/** The channel message `ts` once Lease has rewritten it (chat.update). */
function editedMessage(slack: SlackEmulator, ts: string): Promise<SlackMessage> {
  return waitUntil('the approval message to be rewritten', async () => {
    const m = (await slack.history(slack.channelId)).find((x) => x.ts === ts);
    return m?.edited ? m : undefined;
  }, 30_000, 200);
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
      const updated = await editedMessage(slack, message.ts);
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

    await t.test('a CLI decision rewrites the Slack message; Extend on the requester\'s DM asks for an extension, approved in Slack; unsigned floods get 429', extendAndRewrite);
  });

  // Run inside the test above, while the emulator it started is up.
  const extendAndRewrite = async (t: TestContext) => {
    const bobToken = await apiLogin(server.url, 'bob');
    const audit = async (subject: string | null): Promise<AuditEntry[]> => {
      const r = await fetch(`${server.url}/api/v1/audit?limit=1000${subject ? `&subject=${subject}` : ''}`, { headers: { authorization: `Bearer ${bobToken}` } });
      assert.equal(r.status, 200);
      return ((await r.json()) as { entries: AuditEntry[] }).entries;
    };
    const approvalMessage = (id: string) =>
      waitUntil(`the approval message for ${id}`, async () => (await slack.history(slack.channelId)).find((m) => JSON.stringify(m.blocks ?? []).includes(id)), 60_000, 200);
    const status = async (id: string) => leaseJson<RequestJson & { expires_at: string | null }>(['status', id, '--json'], env('alice'));

    // 5 minutes: room under the role's 1h maximum for a 30m extension, none for 1h.
    const request = await leaseJson<RequestJson>(['request', '--role', 'deploy', '--provider', 'box', '--duration', '5m', '--reason', 'hotfix 2.0.1', '--json'], env('alice'));
    const message = await approvalMessage(request.id);

    await t.test('approved with `lease approve`: the Slack message shows who decided and loses its buttons', async () => {
      await leaseJson(['approve', request.id, '--reason', 'looks fine', '--json'], env('bob'));
      const updated = await editedMessage(slack, message.ts);
      assert.equal(updated.blocks?.some((b) => b.type === 'actions'), false, 'no more buttons');
      assert.match(JSON.stringify(updated.blocks), /Approved by Bob \(bob@example\.com\)/);
      await waitUntil('the request to become active', async () => ((await status(request.id)).status === 'active' ? true : undefined), 60_000, 200);
    });

    await t.test('a request withdrawn before anyone decided: its Slack message says so and loses its buttons', async () => {
      const withdrawn = await leaseJson<RequestJson>(['request', '--role', 'deploy', '--provider', 'box', '--duration', '5m', '--reason', 'changed my mind', '--json'], env('alice'));
      const posted = await approvalMessage(withdrawn.id);
      await leaseJson(['revoke', withdrawn.id, '--json'], env('alice'));
      const updated = await editedMessage(slack, posted.ts);
      assert.equal(updated.blocks?.some((b) => b.type === 'actions'), false, 'no more buttons');
      assert.match(JSON.stringify(updated.blocks), /Access request withdrawn/);
    });

    const dm = await slack.dmChannel('alice');
    const dmAbout = async (pattern: RegExp) => (await slack.history(dm)).find((m) => m.text.includes(request.id) && pattern.test(m.text));
    let granted: SlackMessage;
    await t.test('the granted DM offers the extensions the role leaves room for', async () => {
      granted = await waitUntil('the granted DM', () => dmAbout(/is granted until/), 30_000, 200);
      const actions = granted.blocks?.find((b) => b.type === 'actions') as { elements: Array<{ action_id: string; value: string }> } | undefined;
      assert.deepEqual(actions?.elements.map((e) => [e.action_id, e.value]), [['lease_extend:30m', `${request.id} 30m`]]);
    });

    const extendClick = (user: string) =>
      clickPayload({ user: slack.users[user]!, teamId: slack.teamId, channel: dm, ts: granted.ts, action: 'lease_extend:30m', requestId: request.id, value: `${request.id} 30m` });

    await t.test('someone else\'s Extend click is refused and audited; nothing is asked', async () => {
      for (const user of ['bob', 'mallory']) {
        const r = await postInteraction(server.url, extendClick(user), { secret: SIGNING_SECRET });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.match(String(r.body.text), /Only the requester|no confirmed e-mail|nothing was/);
      }
      const codes = (await audit(request.id)).filter((e) => e.action === 'slack.decision_refused').map((e) => e.data.code);
      assert.ok(codes.includes('not_requester'), JSON.stringify(codes));
      assert.equal((await audit(null)).some((e) => e.action === 'request.extension_requested'), false);
    });

    await t.test('the requester\'s Extend click asks for 30m more; the approvers are asked in the channel; a Slack approval applies it; the DM says so', async () => {
      const before = Date.parse((await status(request.id)).expires_at!);
      const r = await postInteraction(server.url, extendClick('alice'), { secret: SIGNING_SECRET });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.match(String(r.body.text), /Extension by 30m asked \(request (\S+)\): it waits for approval/);
      const extensionId = /\(request (\S+)\)/.exec(String(r.body.text))![1]!;
      const asked = (await audit(extensionId)).find((e) => e.action === 'request.extension_requested');
      assert.equal(asked?.actor, 'local:alice');
      assert.equal(asked?.data.channel, 'slack');
      const extensionMessage = await approvalMessage(extensionId);
      assert.match(JSON.stringify(extensionMessage.blocks), new RegExp(`Extension of ${request.id}`));
      const approve = await postInteraction(
        server.url,
        clickPayload({ user: slack.users.bob!, teamId: slack.teamId, channel: slack.channelId, ts: extensionMessage.ts, action: 'lease_approve', requestId: extensionId }),
        { secret: SIGNING_SECRET },
      );
      assert.equal(approve.status, 200, JSON.stringify(approve.body));
      assert.match(String(approve.body.text), /You approved/);
      const extended = await waitUntil('the lease to be extended', async () => {
        const now = await status(request.id);
        return now.expires_at && Date.parse(now.expires_at) >= before + 29 * 60_000 ? now : undefined;
      }, 60_000, 200);
      assert.equal(extended.status, 'active');
      const dmExtended = await waitUntil('the extended DM', () => dmAbout(/is extended until/), 30_000, 200);
      // 35m granted so far: another 30m would pass the role's 1h maximum, so no button.
      assert.equal(dmExtended.blocks?.some((b) => b.type === 'actions'), false, 'no room left for another extension');
    });

    await t.test('the Extend button on the old DM, clicked again, is refused by the role\'s maximum', async () => {
      const r = await postInteraction(server.url, extendClick('alice'), { secret: SIGNING_SECRET });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.match(String(r.body.text), /Not extended: .*maximum/);
    });

    await t.test('unverified callbacks from one address are audited up to a budget, then answered 429 with Retry-After and audited once', async () => {
      const results = [];
      for (let i = 0; i < 25; i++) results.push(await postInteraction(server.url, extendClick('alice'), { secret: `wrong-secret-${i}` }));
      const throttled = results.filter((x) => x.status === 429);
      assert.ok(throttled.length > 0, 'throttled');
      assert.ok(Number(throttled[0]!.retryAfter) > 0, 'Retry-After');
      assert.equal((throttled[0]!.body.error as { code: string }).code, 'too_many_attempts');
      const entries = await audit(null);
      const unverified = entries.filter((e) => e.action === 'slack.decision_refused' && ['invalid_signature', 'stale_request', 'replayed_request'].includes(String(e.data.code)));
      assert.ok(unverified.length <= 20, `at most the budget audited one by one (${unverified.length})`);
      assert.equal(entries.filter((e) => e.action === 'slack.callbacks_throttled').length, 1);
      // A signed click from the same address still gets through: the budget only counts refusals.
      const signed = await postInteraction(server.url, extendClick('bob'), { secret: SIGNING_SECRET });
      assert.equal(signed.status, 200, JSON.stringify(signed.body));
    });

    await leaseJson(['revoke', request.id, '--json'], env('alice'));
    await waitUntil('the ended DM', () => dmAbout(/has ended/), 60_000, 200);
  };
});
