// The few Slack Web API methods Lease calls, over fetch: JSON bodies for the write methods
// (chat.postMessage, chat.update, chat.postEphemeral, conversations.open), form bodies for the
// read methods that do not take JSON (users.info, users.lookupByEmail). The token goes in the
// Authorization header only; it is never logged or put in an error.
import { LeaseError } from '../../core/index.js';

/** Slack answered `ok: false`, an HTTP error, or did not answer in time. */
export class SlackApiError extends LeaseError {
  constructor(
    providerId: string,
    readonly method: string,
    /** Slack's error code (`channel_not_found`, `missing_scope`...) or what went wrong. */
    readonly slackError: string,
    status = 502,
  ) {
    super('slack_api_error', `slack ${providerId}: ${method} failed: ${slackError}`, { status });
  }
}

/** Slack errors that will not pass on retry (a wrong channel, a missing scope, a bad token). */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'user_not_found',
  'users_not_found',
  'invalid_blocks',
  'msg_too_long',
  'no_text',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
]);

export interface SlackUser {
  id: string;
  email?: string | undefined;
  name?: string | undefined;
  realName?: string | undefined;
  deleted: boolean;
  isBot: boolean;
  /** Slack's `is_email_confirmed`, when it says. */
  emailConfirmed?: boolean | undefined;
}

export interface PostedMessage {
  channel: string;
  ts: string;
}

export class SlackApi {
  constructor(
    private readonly providerId: string,
    private readonly apiUrl: string,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {}

  async postMessage(message: { channel: string; text: string; blocks?: unknown[] }): Promise<PostedMessage> {
    const answer = await this.call('chat.postMessage', { ...message, unfurl_links: false, unfurl_media: false });
    return { channel: String(answer.channel), ts: String(answer.ts) };
  }

  async updateMessage(message: { channel: string; ts: string; text: string; blocks: unknown[] }): Promise<void> {
    await this.call('chat.update', message);
  }

  async postEphemeral(message: { channel: string; user: string; text: string }): Promise<void> {
    await this.call('chat.postEphemeral', message);
  }

  /** The direct-message channel with a user (im:write). */
  async openDirectMessage(userId: string): Promise<string> {
    const answer = await this.call('conversations.open', { users: userId });
    const channel = answer.channel as { id?: unknown } | undefined;
    if (typeof channel?.id !== 'string') throw new SlackApiError(this.providerId, 'conversations.open', 'no channel in the answer');
    return channel.id;
  }

  /** users.info (users:read, and users:read.email for the address). */
  async userInfo(userId: string, timeoutMs?: number): Promise<SlackUser> {
    const answer = await this.call('users.info', { user: userId }, { form: true, ...(timeoutMs ? { timeoutMs } : {}) });
    return toUser(answer.user);
  }

  /** users.lookupByEmail (users:read.email); undefined when no user has that address. */
  async userByEmail(email: string): Promise<SlackUser | undefined> {
    try {
      return toUser((await this.call('users.lookupByEmail', { email }, { form: true })).user);
    } catch (err) {
      if (err instanceof SlackApiError && err.slackError === 'users_not_found') return undefined;
      throw err;
    }
  }

  /** Calls a method; Slack's `ok: false` becomes a SlackApiError (4xx when retrying will not help). */
  async call(method: string, body: Record<string, unknown>, options: { form?: boolean; timeoutMs?: number } = {}): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    let payload: string;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])).toString();
    } else {
      headers['content-type'] = 'application/json; charset=utf-8';
      payload = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await fetch(`${this.apiUrl.replace(/\/+$/, '')}/${method}`, { method: 'POST', headers, body: payload, signal: AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs) });
    } catch (err) {
      throw new SlackApiError(this.providerId, method, err instanceof Error ? err.message : String(err));
    }
    const text = await response.text();
    let answer: Record<string, unknown>;
    try {
      answer = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new SlackApiError(this.providerId, method, `answered ${response.status} without JSON`);
    }
    if (answer.ok !== true) {
      const error = typeof answer.error === 'string' ? answer.error : `answered ${response.status}`;
      throw new SlackApiError(this.providerId, method, error, PERMANENT.has(error) ? 400 : 502);
    }
    return answer;
  }
}

function toUser(raw: unknown): SlackUser {
  const user = (raw ?? {}) as Record<string, unknown>;
  const profile = (user.profile ?? {}) as Record<string, unknown>;
  return {
    id: String(user.id ?? ''),
    email: typeof profile.email === 'string' && profile.email !== '' ? profile.email : undefined,
    name: typeof user.name === 'string' ? user.name : undefined,
    realName: typeof user.real_name === 'string' ? user.real_name : typeof profile.real_name === 'string' ? profile.real_name : undefined,
    deleted: user.deleted === true,
    isBot: user.is_bot === true,
    emailConfirmed: typeof user.is_email_confirmed === 'boolean' ? user.is_email_confirmed : undefined,
  };
}
