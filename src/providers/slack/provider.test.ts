// The slack provider against a real Slack Web API emulator (emulate 0.12.2 with strict scopes:
// the bot token has exactly chat:write, users:read, users:read.email, im:write).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BOT_TOKEN, startSlackEmulator } from '../../../test/support/slack-emulator.js';
import { slackConfigSchema } from './config.js';
import { SlackNotifier } from './provider.js';
import { APPROVE_ACTION } from './blocks.js';
import { SlackApiError } from './slack-api.js';

const notification = {
  to: null,
  message: 'Alice asks for Debug',
  approvals: true,
  request: { id: 'req_1', role: 'debug', provider: 'box', requester: 'alice@example.com', reason: 'INC-1 <!here>', status: 'pending', requester_name: 'Alice', role_name: 'Debug', duration: 'PT10M' },
};

describe('slack provider config', () => {
  it('loads Thand\'s keys unchanged (bot_token, client_id, client_secret, signing_secret, verification_token)', () => {
    const config = slackConfigSchema.parse({ bot_token: 'xoxb-1', client_id: '1.2', client_secret: 's', signing_secret: 'ss', verification_token: 'v' });
    assert.equal(config.api_url, 'https://slack.com/api');
    assert.equal(config.direct_messages, true);
    assert.equal(config.expiry_warning, 5 * 60_000);
  });

  it('refuses a missing bot token, unknown keys, plain http off loopback and a bad duration', () => {
    assert.equal(slackConfigSchema.safeParse({}).success, false);
    assert.equal(slackConfigSchema.safeParse({ bot_token: 'x', colour: 'red' }).success, false);
    assert.equal(slackConfigSchema.safeParse({ bot_token: 'x', api_url: 'http://slack.example.com/api' }).success, false);
    assert.ok(slackConfigSchema.safeParse({ bot_token: 'x', api_url: 'http://127.0.0.1:9/api' }).success);
    assert.equal(slackConfigSchema.safeParse({ bot_token: 'x', expiry_warning: 'soon' }).success, false);
    assert.equal(slackConfigSchema.parse({ bot_token: 'x', expiry_warning: '2m' }).expiry_warning, 120_000);
  });

  it('offers Extend buttons of 30m and 1h by default; refuses a bad, repeated or sixth duration', () => {
    assert.deepEqual(slackConfigSchema.parse({ bot_token: 'x' }).extend_options, ['30m', '1h']);
    assert.deepEqual(slackConfigSchema.parse({ bot_token: 'x', extend_options: [] }).extend_options, []);
    assert.deepEqual(slackConfigSchema.parse({ bot_token: 'x', extend_options: ['15m', 'PT2H'] }).extend_options, ['15m', 'PT2H']);
    for (const extend_options of [['soon'], ['0m'], ['30m', '30m'], ['1m', '2m', '3m', '4m', '5m', '6m']]) {
      assert.equal(slackConfigSchema.safeParse({ bot_token: 'x', extend_options }).success, false, JSON.stringify(extend_options));
    }
  });
});

describe('slack provider against the Slack emulator', () => {
  it('posts a Block Kit approval message, updates it, finds who clicked, and sends direct messages', async (t) => {
    const slack = await startSlackEmulator(t);
    if (!slack) return;
    const notifier = new SlackNotifier('chat', slackConfigSchema.parse({ bot_token: BOT_TOKEN, api_url: slack.apiUrl, channel: slack.channelId }));

    const receipt = await notifier.send(notification);
    assert.equal(receipt.channel, slack.channelId);
    const [posted] = await slack.history(slack.channelId);
    assert.equal(posted?.ts, receipt.message_id);
    assert.equal(posted?.text, 'Alice asks for Debug on box for PT10M');
    const actions = posted?.blocks?.find((b) => b.type === 'actions') as { elements: Array<{ action_id: string; value: string }> };
    assert.equal(actions.elements[0]?.action_id, APPROVE_ACTION);
    assert.equal(actions.elements[0]?.value, 'req_1');
    assert.ok(JSON.stringify(posted?.blocks).includes('INC-1 &lt;!here&gt;'));

    const bob = await notifier.whoIs(slack.users.bob!);
    assert.equal(bob.email, 'bob@example.com');

    await notifier.updateDecided(receipt, { id: 'req_1', role: 'debug', provider: 'box', requester: 'alice@example.com', reason: 'INC-1' }, [{ approved: true, by: 'Bob (bob@example.com)', at: 'now' }], false);
    const [updated] = await slack.history(slack.channelId);
    assert.ok(updated?.edited, 'the message was edited');
    assert.equal(updated?.blocks?.some((b) => b.type === 'actions'), false);
    assert.match(JSON.stringify(updated?.blocks), /Approved by Bob/);

    const dmReceipt = await notifier.directMessage('alice@example.com', { kind: 'granted', requestId: 'req_1', role: 'debug', provider: 'box', expiresAt: '2030-01-01T00:00:00.000Z', extendBy: ['30m', '1h'] });
    const dmChannel = await slack.dmChannel('alice');
    const [dm] = await slack.history(dmChannel);
    assert.deepEqual(dmReceipt, { channel: dmChannel, message_id: dm?.ts });
    assert.match(dm?.text ?? '', /Your access to `debug` on `box` is granted until 2030/);
    const extend = dm?.blocks?.find((b) => b.type === 'actions') as { elements: Array<{ action_id: string; value: string }> };
    assert.deepEqual(extend.elements.map((e) => [e.action_id, e.value]), [['lease_extend:30m', 'req_1 30m'], ['lease_extend:1h', 'req_1 1h']]);
    assert.equal(await notifier.directMessage('nobody@example.com', { kind: 'ended', requestId: 'req_1', role: 'debug', provider: 'box' }), undefined);
  });

  it('runs Thand\'s slack.postMessage (text, or message.text) to a channel id or name', async (t) => {
    const slack = await startSlackEmulator(t);
    if (!slack) return;
    const notifier = new SlackNotifier('chat', slackConfigSchema.parse({ bot_token: BOT_TOKEN, api_url: slack.apiUrl }));
    const result = (await notifier.operation('slack.postMessage', { provider: 'chat', to: slack.channelId, text: 'Granting access: INC-1' })) as { ts: string };
    await notifier.operation('slack.postMessage', { provider: 'chat', to: '#access-requests', message: { text: 'second' } });
    const history = await slack.history(slack.channelId);
    assert.deepEqual(history.slice(0, 2).map((m) => m.text), ['second', 'Granting access: INC-1']);
    assert.equal(history[1]?.ts, result.ts);
    await assert.rejects(notifier.operation('slack.postMessage', { provider: 'chat', text: 'nowhere' }), /no `to`/);
    await assert.rejects(notifier.operation('slack.sendTelegram', {}), /no operation/);
  });

  it('fails with Slack\'s error, as a 4xx when retrying cannot help (a missing scope, an unknown channel)', async (t) => {
    const slack = await startSlackEmulator(t);
    if (!slack) return;
    const notifier = new SlackNotifier('chat', slackConfigSchema.parse({ bot_token: BOT_TOKEN, api_url: slack.apiUrl }));
    const missing = await notifier.send({ ...notification, to: 'C0NOTHERE' }).catch((err: unknown) => err);
    assert.ok(missing instanceof SlackApiError, String(missing));
    assert.equal(missing.status, 400);
    const wrongToken = new SlackNotifier('chat', slackConfigSchema.parse({ bot_token: 'xoxb-not-seeded', api_url: slack.apiUrl }));
    const refused = await wrongToken.send({ ...notification, to: slack.channelId }).catch((err: unknown) => err);
    assert.ok(refused instanceof SlackApiError && refused.status === 400, String(refused));
    // The token never appears in what fails.
    assert.equal(String((refused as Error).message).includes('xoxb-not-seeded'), false);
  });
});
