import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { teamsConfigSchema } from './config.js';
import { escapeCardText, teamsMessage } from './card.js';
import { TeamsDeliveryFailed, TeamsNotifier } from './provider.js';
import { messageProblem, startTeamsWebhookFake, type TeamsWebhookFake } from './contract-server.fake.js';

async function teams(t: TestContext): Promise<TeamsWebhookFake> {
  const fake = await startTeamsWebhookFake();
  t.after(() => fake.close());
  return fake;
}

const notification = {
  to: null,
  message: 'alice asks for **admin**',
  request: { id: 'req_1', role: 'debug', provider: 'box', requester: 'alice@example.com', reason: 'INC-1 [click](https://evil.example) {{DATE(2017-02-14T06:08:39Z)}}', status: 'pending', duration: 'PT1H' },
  link: 'https://lease.example.com/requests/req_1',
};

const fast = { backoffMs: 1 };

/** The text of every fact and block of the card Teams took. */
function card(message: Record<string, unknown>) {
  const [attachment] = message.attachments as Array<{ content: { body: Array<Record<string, unknown>>; actions?: Array<Record<string, unknown>> } }>;
  const facts = Object.fromEntries((attachment!.content.body.find((b) => b.type === 'FactSet')!.facts as Array<{ title: string; value: string }>).map((f) => [f.title, f.value]));
  return { facts, actions: attachment!.content.actions ?? [], body: attachment!.content.body };
}

describe('teams notifications', () => {
  it('posts an Adaptive Card with who, role, provider, duration and reason, and a button to the request', async (t) => {
    const fake = await teams(t);
    await new TeamsNotifier('ops', teamsConfigSchema.parse({ webhook_url: fake.url }), fast).send(notification);
    assert.equal(fake.received.length, 1);
    const { facts, actions } = card(fake.received[0]!);
    assert.equal(facts.Who, escapeCardText('alice@example.com'));
    assert.equal(facts.Role, 'debug');
    assert.equal(facts.Provider, 'box');
    assert.equal(facts.Duration, 'PT1H');
    assert.deepEqual(actions, [{ type: 'Action.OpenUrl', title: 'Open the request', url: 'https://lease.example.com/requests/req_1' }]);
  });

  it('escapes people\'s text for Adaptive Card markdown: no links, no emphasis, no date functions', () => {
    const { facts, body } = card(teamsMessage({ notification, link: undefined }));
    assert.equal(facts.Reason, 'INC\\-1 \\[click\\]\\(https://evil\\.example\\) {\u200b{\u200bDATE\\(2017\\-02\\-14T06:08:39Z\\)}}');
    assert.ok(!/(^|[^\\])\[/.test(facts.Reason!));
    assert.equal(body[1]!.text, 'alice asks for \\*\\*admin\\*\\*');
    assert.equal(escapeCardText('- item\n1. next'), '\\- item 1\\. next');
  });

  it('leaves the button out when the server\'s URL is unknown', () => {
    const { actions } = card(teamsMessage({ notification: { ...notification, link: undefined }, link: undefined }));
    assert.deepEqual(actions, []);
    assert.equal(messageProblem(teamsMessage({ notification, link: undefined })), undefined);
  });

  it('retries when Teams throttles (429, Retry-After) or fails (5xx), then delivers', async (t) => {
    const fake = await teams(t);
    fake.throttle(1, 0);
    fake.fail(1);
    await new TeamsNotifier('ops', teamsConfigSchema.parse({ webhook_url: fake.url }), fast).send(notification);
    assert.deepEqual(fake.answers.map((a) => a.status), [429, 503, 200]);
    assert.equal(fake.received.length, 1);
  });

  it('fails (so the runtime retries later) after max_attempts, without naming the webhook URL', async (t) => {
    const fake = await teams(t);
    fake.fail(5);
    const err = await new TeamsNotifier('ops', teamsConfigSchema.parse({ webhook_url: fake.url, max_attempts: 2 }), fast).send(notification).catch((e: unknown) => e);
    assert.ok(err instanceof TeamsDeliveryFailed);
    assert.equal(fake.answers.length, 2);
    assert.ok(!err.message.includes(new URL(fake.url).pathname.split('/')[2]!), err.message);
    const unreachable = await new TeamsNotifier('ops', teamsConfigSchema.parse({ webhook_url: 'http://127.0.0.1:1/webhookb2/secret-token', max_attempts: 1 }), fast).send(notification).catch((e: unknown) => e);
    assert.ok(unreachable instanceof TeamsDeliveryFailed);
    assert.ok(!unreachable.message.includes('secret-token'), unreachable.message);
  });

  it('does not retry what Teams refuses (an oversized message)', async (t) => {
    const fake = await teams(t);
    const big = { ...notification, message: 'x'.repeat(30 * 1024) };
    await assert.rejects(new TeamsNotifier('ops', teamsConfigSchema.parse({ webhook_url: fake.url }), fast).send(big), /answered 413/);
    assert.equal(fake.answers.length, 1);
  });

  it('the contract server refuses what Teams refuses: non-JSON, missing type, a card without version, an element without text', async (t) => {
    const fake = await teams(t);
    const post = (body: string) => fetch(fake.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.status);
    assert.equal(await post('not json'), 400);
    assert.equal(await post(JSON.stringify({ attachments: [] })), 400);
    const good = teamsMessage({ notification, link: notification.link });
    assert.equal(await post(JSON.stringify(good)), 200);
    const content = (good.attachments as Array<{ content: Record<string, unknown> }>)[0]!.content;
    assert.match(messageProblem({ ...good, attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { ...content, version: undefined } }] })!, /version/);
    assert.match(messageProblem({ ...good, attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { ...content, body: [{ type: 'TextBlock' }] } }] })!, /text is required/);
    assert.match(messageProblem({ ...good, attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { ...content, actions: [{ type: 'Action.OpenUrl', url: '/relative' }] } }] })!, /absolute/);
    assert.equal(await fetch(fake.url.replace('webhookb2', 'other'), { method: 'POST', body: '{}' }).then((r) => r.status), 404);
  });

  it('accepts https anywhere and http only on loopback; unknown keys are errors', () => {
    assert.ok(teamsConfigSchema.safeParse({ webhook_url: 'https://example.webhook.office.com/webhookb2/x' }).success);
    assert.equal(teamsConfigSchema.safeParse({ webhook_url: 'http://example.webhook.office.com/x' }).success, false);
    assert.equal(teamsConfigSchema.safeParse({ webhook_url: 'https://x.example', channel: 'c' }).success, false);
  });
});
