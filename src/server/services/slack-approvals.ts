// Slack's interaction callback: an Approve / Deny click on a message Lease posted to approvers,
// or an Extend click on a direct message Lease sent a requester about their lease. Slack signs
// each callback (verified against every configured slack provider's signing secret, on the raw
// body, constant-time); a timestamp more than five minutes away is refused, and so is a signature
// already seen (the store keeps them until they are stale, across restarts). The clicking Slack
// user becomes a Lease identity by e-mail (`identitiesForEmail`: only identity providers trusted
// to assert addresses), and the click is a decision as that identity through
// RequestService.decide, under the rules of `lease approve`; an Extend click is an extension
// asked by the requester (the Slack user with the requester's verified address at the identity
// provider that signed them in), under the rules of `lease extend`. Every refusal is audited;
// refusals before the signature holds (anyone can cause them) within a budget per client address
// (refusal-budget.ts), past which the caller gets 429. After a decision through another channel
// (CLI, web, e-mail), the approval messages are rewritten too.
// Loaded only when a slack provider is configured (server.ts).
import { LeaseError, identityKey, sameIdentity, type Clock, type Identity, type Logger } from '../../core/index.js';
import type { LoadedConfig } from '../../config/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import {
  APPROVE_ACTION,
  DENY_ACTION,
  EXTEND_ACTION,
  MAX_SIGNATURE_AGE_MS,
  slackTimestampFresh,
  wellFormedSignatureHeaders,
  type DecisionLine,
  type RequestSummary,
  type ClosedUndecided,
  type SlackNotifier,
  type SlackUser,
} from '../../providers/slack/index.js';
import type { NotificationMessageRow, RequestRecord, Store } from '../../store/index.js';
import type { AccessControl } from './access-control.js';
import { approvalProgress, isApprover } from './approvers.js';
import { RefusalBudget } from './refusal-budget.js';
import type { RequestService } from './requests.js';

export interface SlackApprovalsDeps {
  store: Store;
  config: LoadedConfig;
  providers: Map<string, ProviderInstance>;
  requests: RequestService;
  access: AccessControl;
  clock: Clock;
  logger: Logger;
  /** How many unverified callbacks are audited per client address (tests set it low). */
  refusals?: RefusalBudget;
}

/** What Slack gets back: a 200 whose text only the clicking user sees. */
export interface SlackAck {
  response_type: 'ephemeral';
  replace_original: false;
  text: string;
}

export interface SlackInteractionResult {
  ack: SlackAck | Record<string, never>;
  /** Work done after Slack has its answer (chat.update, an ephemeral refusal): best-effort. */
  after?: () => Promise<void>;
}

export interface SignedRequest {
  rawBody: string;
  contentType: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/** A callback whose signature does not verify (or has no signature): 401. */
class InvalidSlackSignature extends LeaseError {
  constructor(message: string) {
    super('invalid_signature', message, { status: 401 });
  }
}

interface ClickPayload {
  teamId: string | undefined;
  userId: string;
  action: 'approve' | 'deny' | 'extend';
  requestId: string;
  /** How much more time an Extend click asks for. */
  duration?: string;
  channel: string | undefined;
  messageTs: string | undefined;
}

/** One refused click: its code goes to the audit log, its text to the clicking user. */
class RefusedClick extends Error {
  constructor(
    readonly code: string,
    readonly text: string,
  ) {
    super(text);
  }
}

export class SlackApprovals {
  private readonly refusals: RefusalBudget;

  constructor(private readonly deps: SlackApprovalsDeps) {
    this.refusals = deps.refusals ?? new RefusalBudget(deps.clock);
  }

  /** The configured, enabled slack notifiers by provider id. */
  private notifiers(): SlackNotifier[] {
    return [...this.deps.providers.values()].filter((p) => p.enabled && p.type === 'slack' && p.notification).map((p) => p.notification as SlackNotifier);
  }

  /** `clientAddress`: the caller's address (client-address.ts), for the budget of refusals it may cause. */
  async handle(signed: SignedRequest, clientAddress: string): Promise<SlackInteractionResult> {
    const { store, clock } = this.deps;
    if (!/^application\/x-www-form-urlencoded\b/i.test(signed.contentType ?? '')) {
      throw new LeaseError('invalid_input', 'Slack posts interactions as application/x-www-form-urlencoded', { status: 400, field: 'payload' });
    }
    const { timestamp, signature, rawBody } = signed;
    if (!wellFormedSignatureHeaders(timestamp, signature)) {
      await this.refuseUnverified(clientAddress, 'invalid_signature', {});
      throw new InvalidSlackSignature('X-Slack-Request-Timestamp and X-Slack-Signature (v0=<hex>) are required');
    }
    const notifier = this.notifiers().find((n) => n.verifies(timestamp!, rawBody, signature!));
    if (!notifier) {
      await this.refuseUnverified(clientAddress, 'invalid_signature', {});
      throw new InvalidSlackSignature('the signature does not verify with any slack provider\'s signing secret');
    }
    if (!slackTimestampFresh(timestamp!, clock.now())) {
      await this.refuseUnverified(clientAddress, 'stale_request', { provider: notifier.providerId, timestamp });
      throw new LeaseError('stale_request', 'the request was signed more than five minutes from now: refused', { status: 401 });
    }
    // Kept until the timestamp is stale anyway; a second claim in that window is a replay.
    const fresh = await store.seenCallbacks.claim(`slack:${signature!}`, Number(timestamp) * 1000 + MAX_SIGNATURE_AGE_MS + 60_000);
    if (!fresh) {
      await this.refuseUnverified(clientAddress, 'replayed_request', { provider: notifier.providerId });
      throw new LeaseError('replayed_request', 'this signed request was already received: refused', { status: 409 });
    }
    const click = parseClick(rawBody);
    if (!click) return { ack: {} }; // another kind of interaction, or a button that is not Lease's
    const slackActor = `slack:${click.teamId ?? '-'}:${click.userId}`;
    try {
      return await this.decide(notifier, click);
    } catch (err) {
      if (!(err instanceof RefusedClick)) throw err;
      await this.auditRefusal(click.requestId, slackActor, err.code, { provider: notifier.providerId, action: click.action });
      this.deps.logger.info({ request: click.requestId, provider: notifier.providerId, code: err.code }, 'slack click refused');
      const ack: SlackAck = { response_type: 'ephemeral', replace_original: false, text: err.text };
      const { channel } = click;
      return {
        ack,
        ...(channel ? { after: () => notifier.tellOnly(channel, click.userId, err.text) } : {}),
      };
    }
  }

  /** The request and the message the button is on: one Lease posted for that very request, through this provider, for this purpose. */
  private async clickedMessage(notifier: SlackNotifier, click: ClickPayload): Promise<{ request: RequestRecord; message: NotificationMessageRow }> {
    const { store } = this.deps;
    if (notifier.config.team_id !== undefined && click.teamId !== notifier.config.team_id) {
      throw new RefusedClick('wrong_team', 'This Slack workspace cannot act on Lease requests.');
    }
    const purpose = click.action === 'extend' ? 'lease_notice' : 'request';
    const request = await store.requests.get(click.requestId);
    const messages = request ? await store.notificationMessages.list(request.id) : [];
    const message = messages.find((m) => m.provider === notifier.providerId && m.purpose === purpose && m.channel === click.channel && m.message_id === click.messageTs);
    if (!request || !message) throw new RefusedClick('unknown_message', 'Lease did not post this message for that request: nothing was done.');
    return { request, message };
  }

  /** The clicking user's confirmed e-mail address, from Slack. */
  private async clickerEmail(notifier: SlackNotifier, click: ClickPayload): Promise<{ user: SlackUser; email: string }> {
    let user: SlackUser;
    try {
      user = await notifier.whoIs(click.userId);
    } catch (err) {
      this.deps.logger.warn({ request: click.requestId, provider: notifier.providerId, err: err instanceof Error ? err.message : String(err) }, 'slack users.info failed');
      throw new RefusedClick('slack_unavailable', 'Lease could not ask Slack who you are: nothing was done. Try again.');
    }
    if (user.deleted || user.isBot || !user.email || user.emailConfirmed === false) {
      throw new RefusedClick('unknown_identity', 'Your Slack account has no confirmed e-mail address Lease can match: nothing was done.');
    }
    return { user, email: user.email };
  }

  /**
   * An Extend click on a direct message: asked as the requester, by the Slack user with the
   * requester's verified address at the identity provider that signed the requester in (which
   * must be trusted to assert addresses), under the rules of `lease extend`.
   */
  private async extend(notifier: SlackNotifier, click: ClickPayload): Promise<SlackInteractionResult> {
    const { config, requests, providers } = this.deps;
    const { request } = await this.clickedMessage(notifier, click);
    const { user, email } = await this.clickerEmail(notifier, click);
    const requester = request.identity;
    const address = email.toLowerCase();
    const isRequester =
      requester.email_verified === true &&
      requester.email?.toLowerCase() === address &&
      identitiesForEmail(email, config, providers, user).some((c) => sameIdentity(c, requester) || (c.provider === requester.provider && c.id === address && providers.get(c.provider)?.identity?.kind !== 'password'));
    if (!isRequester) throw new RefusedClick('not_requester', 'Only the requester can extend this lease: nothing was asked.');
    let view;
    try {
      view = await requests.extend(requester, request.id, { duration: click.duration!, reason: `extension asked in Slack` }, 'slack');
    } catch (err) {
      if (err instanceof LeaseError && err.status < 500) throw new RefusedClick(err.code, `Not extended: ${err.message}.`);
      throw err;
    }
    const waits = view.status === 'pending' && view.approvals !== null;
    return {
      ack: {
        response_type: 'ephemeral',
        replace_original: false,
        text: waits
          ? `Extension by ${click.duration} asked (request ${view.id}): it waits for approval. Lease tells you when it applies.`
          : `Extension by ${click.duration} asked (request ${view.id}). Lease tells you when it applies.`,
      },
    };
  }

  private async decide(notifier: SlackNotifier, click: ClickPayload): Promise<SlackInteractionResult> {
    const { config, requests, access, providers } = this.deps;
    if (click.action === 'extend') return this.extend(notifier, click);
    const { request, message } = await this.clickedMessage(notifier, click);
    const { user, email } = await this.clickerEmail(notifier, click);
    if (request.identity.email?.toLowerCase() === email.toLowerCase()) {
      throw new RefusedClick('self_approval_forbidden', 'Nobody approves their own request.');
    }
    const candidates = identitiesForEmail(email, config, providers, user);
    if (candidates.length === 0) {
      throw new RefusedClick('unknown_identity', `No identity provider trusted to assert e-mail addresses knows ${email}: nothing was decided.`);
    }
    if (candidates.some((c) => sameIdentity(c, request.identity))) throw new RefusedClick('self_approval_forbidden', 'Nobody approves their own request.');
    const role = config.roles.get(request.role);
    const identity = candidates.find((c) => isApprover(c, role, access));
    if (!identity) throw new RefusedClick('not_an_approver', 'You are not an approver of this request: nothing was decided.');
    const approved = click.action === 'approve';
    try {
      await requests.decide(identity, request.id, approved, undefined, 'slack');
    } catch (err) {
      if (err instanceof LeaseError && err.status < 500) throw new RefusedClick(err.code, `Not decided: ${err.message}.`);
      throw err;
    }
    return {
      ack: { response_type: 'ephemeral', replace_original: false, text: `You ${approved ? 'approved' : 'denied'} request ${request.id}.` },
      after: () => this.updateMessage(notifier, request, { channel: message.channel, message_id: message.message_id }),
    };
  }

  /**
   * After a decision through another channel (CLI, web, e-mail, on-call): rewrites every approval
   * message Lease posted in Slack about the request. Best-effort: a failure is logged.
   */
  async refreshMessages(requestId: string): Promise<void> {
    const { store, logger } = this.deps;
    const request = await store.requests.get(requestId);
    if (!request) return;
    const notifiers = new Map(this.notifiers().map((n) => [n.providerId, n]));
    for (const message of await store.notificationMessages.list(requestId)) {
      const notifier = notifiers.get(message.provider);
      if (!notifier || message.purpose !== 'request') continue;
      await this.updateMessage(notifier, request, message).catch((err: unknown) => {
        logger.warn({ request: requestId, provider: message.provider, err: err instanceof Error ? err.message : String(err) }, 'slack: rewriting an approval message failed');
      });
    }
  }

  /** Rewrites an approval message: every decision so far, and buttons while more are needed. */
  private async updateMessage(notifier: SlackNotifier, request: RequestRecord, ref: { channel: string; message_id: string }): Promise<void> {
    const { store, config, access } = this.deps;
    const decisions = await store.decisions.list(request.id);
    const current = (await store.requests.get(request.id)) ?? request;
    const progress = approvalProgress(current, config.roles.get(request.role), decisions, access);
    const stillOpen = current.status === 'pending' && !progress.denial && progress.stage !== null;
    const lines: DecisionLine[] = decisions.map((d) => {
      const who = d.identity.email ?? d.approver;
      return { approved: d.approved, by: d.identity.name ? `${d.identity.name} (${who})` : who, at: d.decided_at };
    });
    await notifier.updateDecided(ref, summaryOf(request, config), lines, stillOpen, closedUndecided(current));
  }

  /**
   * A callback refused before its signature held: audited while the caller's address has budget
   * left; past it, one entry says the address is throttled and the caller gets 429 from then on.
   */
  private async refuseUnverified(clientAddress: string, code: string, data: Record<string, unknown>): Promise<void> {
    const verdict = this.refusals.spend(clientAddress);
    if (verdict.audit === 'refusal') return this.auditRefusal(null, 'slack', code, { ...data, address: clientAddress });
    if (verdict.audit === 'throttled') {
      await this.deps.store.audit.append({ actor: 'slack', action: 'slack.callbacks_throttled', subject: null, data: { channel: 'slack', code, address: clientAddress, retry_after: verdict.error.retryAfterSeconds } });
      this.deps.logger.warn({ address: clientAddress, code }, 'slack: too many refused callbacks from one address; further ones are answered 429 and not audited one by one');
    }
    throw verdict.error;
  }

  private async auditRefusal(requestId: string | null, actor: string, code: string, data: Record<string, unknown>): Promise<void> {
    await this.deps.store.audit.append({ actor, action: 'slack.decision_refused', subject: requestId, data: { channel: 'slack', code, ...data } });
  }
}

/** The request as an approval message shows it. */
export function summaryOf(request: RequestRecord, config: LoadedConfig): RequestSummary {
  const role = config.roles.get(request.role);
  return {
    id: request.id,
    role: request.role,
    roleName: role?.name,
    provider: request.provider,
    requester: request.identity.email ?? identityKey(request.identity),
    requesterName: request.identity.name,
    reason: request.reason,
    duration: formatDuration(request.duration_ms),
  };
}

function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.round(ms / 1000)}s`;
  if (minutes < 60) return `${minutes}m`;
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${Math.floor(minutes / 60)}h${minutes % 60}m`;
}

/**
 * The Lease identities a Slack user's e-mail address stands for (docs/providers/slack.md, "Who
 * clicked"): only at identity providers configured with `trust_email: true`, in declaration
 * order. A `local` provider gives the configured user with that address (their groups
 * included); any other identity provider gives the address itself as the subject, verified,
 * without groups (Lease keeps no directory of SSO users), so approvers named by address match it.
 */
export function identitiesForEmail(email: string, config: LoadedConfig, providers: Map<string, ProviderInstance>, user?: SlackUser): Identity[] {
  const identities: Identity[] = [];
  for (const [id, declared] of config.providers) {
    const instance = providers.get(id);
    const trusted = (declared.config as { trust_email?: unknown } | null | undefined)?.trust_email === true;
    if (!trusted || !instance?.enabled || !instance.identity) continue;
    if (instance.identity.kind === 'password') {
      const found = instance.identity.findByEmail?.(email);
      if (found) identities.push(found);
      continue;
    }
    identities.push({
      id: email.toLowerCase(),
      email: email.toLowerCase(),
      email_verified: true,
      ...(user?.realName ? { name: user.realName } : {}),
      groups: [],
      provider: id,
      provider_type: instance.identity.type,
    });
  }
  return identities;
}

/** A Lease button click from a `block_actions` payload, or undefined for anything else. */
/** How a request ended without being granted, for its approval message; undefined while it runs or once granted. */
function closedUndecided(request: RequestRecord): ClosedUndecided | undefined {
  if (request.granted_at !== null) return undefined;
  switch (request.status) {
    case 'expired':
      return { status: 'expired', message: 'Not approved in time: nothing was granted.' };
    case 'revoked':
      return { status: 'withdrawn', message: 'Withdrawn before it was decided: nothing was granted.' };
    case 'failed':
    case 'denied':
      return { status: request.status, message: `Ended: ${request.outcome?.message ?? request.status}. Nothing was granted.` };
    default:
      return undefined;
  }
}

/** What a button's action id asks for, or undefined for a button that is not Lease's. */
function actionKind(actionId: unknown): ClickPayload['action'] | undefined {
  if (actionId === APPROVE_ACTION) return 'approve';
  if (actionId === DENY_ACTION) return 'deny';
  return typeof actionId === 'string' && actionId.startsWith(`${EXTEND_ACTION}:`) ? 'extend' : undefined;
}

function parseClick(rawBody: string): ClickPayload | undefined {
  const field = new URLSearchParams(rawBody).get('payload');
  if (field === null) throw new LeaseError('invalid_input', 'form: payload is required', { status: 400, field: 'payload' });
  let payload: Record<string, unknown>;
  try {
    const parsed = JSON.parse(field) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    payload = parsed as Record<string, unknown>;
  } catch {
    throw new LeaseError('invalid_input', 'form: payload is not a JSON object', { status: 400, field: 'payload' });
  }
  if (payload.type !== 'block_actions') return undefined;
  const actions = Array.isArray(payload.actions) ? (payload.actions as Record<string, unknown>[]) : [];
  const action = actions.find((a) => a && actionKind(a.action_id) !== undefined);
  const kind = action && actionKind(action.action_id);
  const user = payload.user as { id?: unknown } | undefined;
  if (!action || !kind || typeof action.value !== 'string' || typeof user?.id !== 'string') return undefined;
  // An Extend button's value is `<request id> <duration>`.
  const [requestId = '', duration] = kind === 'extend' ? action.value.split(' ', 2) : [action.value];
  if (kind === 'extend' && !duration) return undefined;
  const team = payload.team as { id?: unknown } | undefined;
  const container = (payload.container ?? {}) as { channel_id?: unknown; message_ts?: unknown };
  const channel = payload.channel as { id?: unknown } | undefined;
  const message = payload.message as { ts?: unknown } | undefined;
  const channelId = typeof container.channel_id === 'string' ? container.channel_id : typeof channel?.id === 'string' ? channel.id : undefined;
  const messageTs = typeof container.message_ts === 'string' ? container.message_ts : typeof message?.ts === 'string' ? message.ts : undefined;
  return {
    teamId: typeof team?.id === 'string' ? team.id : undefined,
    userId: user.id,
    action: kind,
    requestId,
    ...(duration ? { duration } : {}),
    channel: channelId,
    messageTs,
  };
}
