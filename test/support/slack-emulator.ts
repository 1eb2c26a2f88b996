// The Slack Web API emulator (emulate 0.12.2, test/support/emulate.ts) seeded for Lease: a
// workspace with alice, bob and carol (the e2e fixtures' local users, by address) and a channel
// for approvals; strict scopes, so the bot token works only with the scopes docs/providers/slack.md
// asks for. Tests read what Lease posted through a second, broader token (the inspector's), and
// play Slack's signed interaction POSTs as Slack documents them.
import type { TestContext } from 'node:test';
import { createHmac } from 'node:crypto';
import { startEmulate } from './emulate.js';

/** The bot token Lease is configured with: exactly the scopes the docs list. */
export const BOT_TOKEN = 'xoxb-lease-test-bot-token';
/** A token the test reads channels and DMs with (never given to Lease). */
export const INSPECTOR_TOKEN = 'xoxb-lease-test-inspector';
export const BOT_SCOPES = ['chat:write', 'users:read', 'users:read.email', 'im:write'];
export const CHANNEL_NAME = 'access-requests';

export interface SlackEmulator {
  url: string;
  apiUrl: string;
  /** Slack user ids by name (alice, bob, carol, mallory). */
  users: Record<string, string>;
  channelId: string;
  teamId: string;
  /** Calls a Web API method with the inspector's token. */
  call(method: string, body: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Messages of a conversation, newest first. */
  history(channel: string): Promise<SlackMessage[]>;
  /** The DM channel between the bot's user and `user`. */
  dmChannel(user: string): Promise<string>;
}

export interface SlackMessage {
  ts: string;
  text: string;
  user?: string;
  blocks?: Array<Record<string, unknown>>;
  edited?: unknown;
}

export async function startSlackEmulator(t: TestContext): Promise<SlackEmulator | undefined> {
  const server = await startEmulate(t, {
    service: 'slack',
    seed: {
      slack: {
        strict_scopes: true,
        team: { name: 'Lease Test', domain: 'lease-test' },
        users: [
          { name: 'lease-bot', real_name: 'Lease', email: 'lease-bot@example.com' },
          { name: 'alice', real_name: 'Alice', email: 'alice@example.com' },
          { name: 'bob', real_name: 'Bob', email: 'bob@example.com' },
          { name: 'carol', real_name: 'Carol', email: 'carol@example.com' },
          { name: 'mallory', real_name: 'Mallory', email: 'mallory@example.net' },
        ],
        channels: [{ name: CHANNEL_NAME, topic: 'Access requests' }],
        tokens: [
          { token: BOT_TOKEN, user: 'lease-bot', scopes: BOT_SCOPES },
          {
            token: INSPECTOR_TOKEN,
            user: 'lease-bot',
            scopes: ['channels:read', 'channels:history', 'im:read', 'im:history', 'im:write', 'users:read', 'users:read.email', 'groups:read', 'groups:history'],
          },
        ],
      },
    },
  });
  if (!server) return undefined;
  const apiUrl = `${server.url}/api`;
  const call = async (method: string, body: Record<string, unknown>) => {
    const r = await fetch(`${apiUrl}/${method}`, { method: 'POST', headers: { authorization: `Bearer ${INSPECTOR_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = (await r.json()) as Record<string, unknown>;
    if (answer.ok !== true) throw new Error(`emulate ${method}: ${JSON.stringify(answer)}`);
    return answer;
  };
  const members = (await call('users.list', {})).members as Array<{ id: string; name: string; team_id: string }>;
  const users = Object.fromEntries(members.map((m) => [m.name, m.id]));
  const channels = (await call('conversations.list', {})).channels as Array<{ id: string; name: string }>;
  const channel = channels.find((c) => c.name === CHANNEL_NAME);
  if (!channel) throw new Error(`emulate has no #${CHANNEL_NAME}`);
  return {
    url: server.url,
    apiUrl,
    users,
    channelId: channel.id,
    teamId: members[0]?.team_id ?? 'T000000001',
    call,
    history: async (conversation) => (await call('conversations.history', { channel: conversation, limit: 100 })).messages as SlackMessage[],
    dmChannel: async (user) => ((await call('conversations.open', { users: users[user] })).channel as { id: string }).id,
  };
}

/** A `block_actions` payload as Slack sends it for a click on a Lease button; `value` is the button's value (the request id unless given). */
export function clickPayload(args: { user: string; teamId: string; channel: string; ts: string; action: string; requestId: string; value?: string }): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: args.user, team_id: args.teamId },
    api_app_id: 'A0LEASE',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: args.ts, channel_id: args.channel, is_ephemeral: false },
    trigger_id: `${Date.now()}.trigger`,
    team: { id: args.teamId, domain: 'lease-test' },
    channel: { id: args.channel, name: 'access-requests' },
    message: { type: 'message', ts: args.ts },
    response_url: 'https://hooks.slack.com/actions/T0/1/x',
    actions: [{ type: 'button', action_id: args.action, block_id: 'lease_decision', value: args.value ?? args.requestId, action_ts: `${Date.now() / 1000}` }],
  };
}

/**
 * POSTs an interaction to Lease the way Slack does: form-encoded `payload=<json>`, with
 * X-Slack-Request-Timestamp and X-Slack-Signature = v0=HMAC-SHA256(secret, "v0:<ts>:<body>").
 */
export async function postInteraction(
  serverUrl: string,
  payload: Record<string, unknown>,
  options: { secret: string; timestamp?: number; signature?: string; body?: string },
): Promise<{ status: number; retryAfter: string | null; body: Record<string, unknown>; sent: { body: string; timestamp: string; signature: string } }> {
  const body = options.body ?? new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = options.signature ?? `v0=${createHmac('sha256', options.secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return send(serverUrl, { body, timestamp, signature });
}

/** Sends exactly these bytes and headers again (a replay). */
export async function send(serverUrl: string, sent: { body: string; timestamp: string; signature: string }) {
  const r = await fetch(`${serverUrl}/api/v1/integrations/slack/interactions`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': sent.timestamp, 'x-slack-signature': sent.signature },
    body: sent.body,
  });
  const text = await r.text();
  return { status: r.status, retryAfter: r.headers.get('retry-after'), body: (text ? JSON.parse(text) : {}) as Record<string, unknown>, sent };
}
