// The `slack` notification provider: Block Kit approval messages (`lease.notify` with
// `approvals: true`), Thand's `slack.postMessage` call, direct messages to requesters, and what
// the interaction callback needs (signature check, who clicked, updating the message). The
// server's Slack routes and services reach it through `isSlackNotifier`.
import { LeaseError } from '../../core/index.js';
import type { Notification, NotificationProvider, NotificationReceipt, ProviderFactory, ProviderInstance } from '../provider.js';
import { approvalRequestBlocks, decidedBlocks, leaseNoticeBlocks, leaseNoticeText, requestText, type ClosedUndecided, type DecisionLine, type LeaseNotice, type RequestSummary } from './blocks.js';
import { slackConfigSchema, type SlackConfig } from './config.js';
import { slackSignatureMatches } from './signature.js';
import { SlackApi, SlackApiError, type SlackUser } from './slack-api.js';

/** The workflow call names this provider answers (Thand registers `slack.postMessage`). */
export const SLACK_OPERATIONS = ['slack.postMessage'] as const;

/** A Slack user id (U..., W...), channel (C..., G..., D...): what Slack's APIs take as a target. */
const SLACK_ID = /^[UWCGD][A-Z0-9]{2,}$/;

export class SlackNotifier implements NotificationProvider {
  readonly kind = 'slack';
  readonly api: SlackApi;

  constructor(
    readonly providerId: string,
    readonly config: SlackConfig,
  ) {
    this.api = new SlackApi(providerId, config.api_url, config.bot_token, config.timeout_ms);
  }

  /** Posts the request (with Approve / Deny when `approvals`) to `to` or the configured channel. */
  async send(notification: Notification): Promise<NotificationReceipt> {
    const channel = await this.target(notification.to ?? this.config.channel);
    const summary = toSummary(notification.request);
    const posted = await this.api.postMessage({ channel, text: requestText(summary), blocks: approvalRequestBlocks(summary, notification.message, notification.approvals === true) });
    return { channel: posted.channel, message_id: posted.ts };
  }

  /**
   * Thand's `slack.postMessage`: `with: {provider, to, text}` (Lease also takes `channel`,
   * `message: <text> | {text, blocks}` and `blocks`). The text is posted as the workflow wrote it.
   */
  async operation(name: string, args: Record<string, unknown>): Promise<unknown> {
    if (name !== 'slack.postMessage') throw new LeaseError('operation_not_supported', `slack ${this.providerId} has no operation ${name}`, { status: 400 });
    const message = args.message;
    const nested = typeof message === 'object' && message !== null && !Array.isArray(message) ? (message as Record<string, unknown>) : {};
    const text = typeof args.text === 'string' ? args.text : typeof message === 'string' ? message : typeof nested.text === 'string' ? nested.text : '';
    const blocks = Array.isArray(args.blocks) ? args.blocks : Array.isArray(nested.blocks) ? nested.blocks : undefined;
    if (text === '' && !blocks) throw new LeaseError('invalid_call', `${name}: with.text (or message) is empty`, { status: 400, field: 'text' });
    const to = typeof args.to === 'string' ? args.to : typeof args.channel === 'string' ? args.channel : null;
    const channel = await this.target(to ?? this.config.channel ?? null);
    const posted = await this.api.postMessage({ channel, text, ...(blocks ? { blocks } : {}) });
    return { ok: true, channel: posted.channel, ts: posted.ts };
  }

  /** Whether Slack signed this interaction with this provider's signing secret. */
  verifies(timestamp: string, rawBody: string, signature: string): boolean {
    return this.config.signing_secret !== undefined && slackSignatureMatches(this.config.signing_secret, timestamp, rawBody, signature);
  }

  /** Who clicked: users.info, answered quickly (Slack waits 3 s for the whole callback). */
  whoIs(userId: string): Promise<SlackUser> {
    return this.api.userInfo(userId, Math.min(this.config.timeout_ms, 2_000));
  }

  /** Rewrites an approval message after a decision: who decided, and buttons only while it is still open. */
  async updateDecided(ref: NotificationReceipt, summary: RequestSummary, decisions: readonly DecisionLine[], stillOpen: boolean, closed?: ClosedUndecided): Promise<void> {
    await this.api.updateMessage({ channel: ref.channel, ts: ref.message_id, text: requestText(summary), blocks: decidedBlocks(summary, decisions, stillOpen, closed) });
  }

  /** A message only the clicking user sees (a refused click). */
  async tellOnly(channel: string, user: string, text: string): Promise<void> {
    await this.api.postEphemeral({ channel, user, text });
  }

  /**
   * A direct message to the requester (by the Slack user with their address): where it was
   * posted, or undefined when Slack has nobody with that address.
   */
  async directMessage(email: string, notice: LeaseNotice): Promise<NotificationReceipt | undefined> {
    const user = await this.api.userByEmail(email);
    if (!user || user.deleted || user.isBot) return undefined;
    const channel = await this.api.openDirectMessage(user.id);
    const posted = await this.api.postMessage({ channel, text: leaseNoticeText(notice), blocks: leaseNoticeBlocks(notice) });
    return { channel: posted.channel, message_id: posted.ts };
  }

  /** A channel or user id as Slack takes it; an address is looked up (users:read.email). */
  private async target(to: string | null | undefined): Promise<string> {
    const named = to?.trim();
    if (!named) throw new LeaseError('invalid_call', `slack ${this.providerId}: no \`to\` (a channel id) and no config.channel`, { status: 400, field: 'to' });
    if (named.includes('@') && !named.startsWith('@')) {
      const user = await this.api.userByEmail(named);
      if (!user) throw new SlackApiError(this.providerId, 'users.lookupByEmail', `no Slack user has the address ${named}`, 400);
      return user.id;
    }
    // Slack takes a channel id or name (without #); a user id opens the app's DM with them.
    return SLACK_ID.test(named) ? named : named.replace(/^#/, '');
  }
}

function toSummary(request: Notification['request']): RequestSummary {
  return {
    id: request.id,
    role: request.role,
    roleName: request.role_name,
    provider: request.provider,
    requester: request.requester,
    requesterName: request.requester_name,
    reason: request.reason,
    duration: request.duration,
  };
}

/** Narrows a configured provider's notifier to Slack's (for the server's Slack routes and services). */
export function isSlackNotifier(notifier: NotificationProvider | undefined): notifier is SlackNotifier {
  return notifier instanceof SlackNotifier;
}

export const slackProviderFactory: ProviderFactory<SlackConfig> = {
  type: 'slack',
  capabilities: ['notification'],
  configSchema: slackConfigSchema,
  create({ id, name, enabled, config }): ProviderInstance {
    return { id, type: 'slack', name, enabled, capabilities: ['notification'], notification: new SlackNotifier(id, config) };
  },
  configWarnings(config) {
    const warnings = [];
    if (config.signing_secret === undefined) {
      warnings.push({ path: ['signing_secret'], message: 'no signing_secret: approval messages are posted, but every Approve / Deny click is refused' });
    }
    return warnings;
  },
};
