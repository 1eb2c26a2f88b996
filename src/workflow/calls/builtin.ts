// The built-in access calls (lease.validate, lease.authorize, lease.revoke, lease.notify) as
// activities of the runtime. Each is idempotent for its request: run twice after a crash, it
// grants once, records once and revokes without failing.
import { LeaseError, formatIsoDuration, identityKey, noMetrics, secondsSince, toIso, type Clock, type LeaseMetrics, type Logger } from '../../core/index.js';
import type { AccessProvider, GrantRecord, GrantRole, NotificationProvider } from '../../providers/index.js';
import type { RequestRecord, Store } from '../../store/index.js';
import { ActivityFailure, LEASE_ERROR_BASE, type ActivityContext, type ActivityHandler } from '../runtime/activities.js';
import type { WorkflowEvent } from '../interpreter/types.js';
import { EXTEND_EVENT, GRANT_MISSING, canonicalCallName } from './names.js';

/** What the calls need to know of the configuration, resolved by the server at call time. */
export interface AccessDirectory {
  /** Re-checks the request against the current policy; throws PolicyDenied when it no longer holds. */
  validate(request: RequestRecord): void;
  /** Throws PolicyDenied unless the role's approval rule is met by the recorded decisions. */
  checkApprovals(request: RequestRecord): Promise<void>;
  /** Throws PolicyDenied unless `extension` may move `original`'s expiry to `expiresAt` (lease active, within max_duration). */
  checkExtension(extension: RequestRecord, original: RequestRecord, expiresAt: string): void;
  /** Delivers an event to a request's workflow (an applied extension tells the lease's workflow). */
  signal(instanceId: string, event: WorkflowEvent): Promise<void>;
  accessProvider(providerId: string): AccessProvider | undefined;
  /** The notification provider with this id, when one is configured and enabled. */
  notifier(providerId: string): NotificationProvider | undefined;
  grantRole(roleId: string): GrantRole | undefined;
  /**
   * For e-mail notifiers: the addresses `to` means, each with a personal approval link when
   * `approvals` (server/email-approvals/). Absent where e-mail approvals are not wired.
   */
  emailInvites?(request: RequestRecord, to: unknown, approvals: boolean, linkTtlMs: number): Promise<EmailInvite[]>;
}

/** One e-mail to send: the address, and its approval link when the mail asks for a decision. */
export interface EmailInvite {
  to: string;
  approval?: { url: string; expires_at: string };
}

export interface BuiltinCallDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  directory: AccessDirectory;
  /** The request's page in the web app, for notifications; undefined while the server's URL is unknown. */
  requestLink?: (requestId: string) => string | undefined;
  /**
   * Told of a lease's changes inside the transaction that records them (granted: status
   * active; extended: a later expiry; ended: revoked or failed), so what must follow (a requester's direct messages) is
   * stored with the change and survives a crash.
   */
  leaseEvents?: LeaseEventListener;
  /** Provider call latencies and the expiry→revoke lag. */
  metrics?: LeaseMetrics;
  /**
   * `lease.validate` with `validator: llm`: asks the configured language model whether the
   * request's reason fits its role. Absent without services.llm. Runs inside the activity, so
   * the model's credentials never enter workflow state.
   */
  reasonJudge?: ReasonJudge;
}

/** The model's verdict, or why there is none (`unavailable`: timeout, 429, malformed...). */
export type ReasonJudge = (request: RequestRecord) => Promise<{ valid: boolean; reason: string; model: string } | { unavailable: string }>;

/** What happened to a lease, as leaseEvents hears it. */
export interface LeaseEvent {
  kind: 'granted' | 'extended' | 'ended';
  request: RequestRecord;
  /** ISO-8601 (granted, extended). */
  expiresAt?: string;
}

export type LeaseEventListener = (tx: Store, event: LeaseEvent) => Promise<void>;

type Call = (args: Record<string, unknown>, request: RequestRecord, ctx: ActivityContext) => Promise<unknown>;

export function createBuiltinCalls(deps: BuiltinCallDeps): ActivityHandler {
  const calls: Record<string, Call> = {
    'lease.validate': (args, request) => validate(deps, request, args),
    'lease.authorize': (args, request) => (request.extended_from !== null ? applyExtension(deps, request) : authorize(deps, request, typeof args.expires_at === 'string' ? args.expires_at : undefined)),
    'lease.revoke': (args, request) => revoke(deps, request, typeof args.reason === 'string' ? args.reason : 'revoked'),
    'lease.notify': (args, request) => notify(deps, request, args),
    'slack.postMessage': (args, request) => providerOperation(deps, request, 'slack.postMessage', args),
  };
  return async (name, args, ctx) => {
    const call = calls[canonicalCallName(name)];
    if (!call) throw new ActivityFailure({ type: `${LEASE_ERROR_BASE}not_implemented`, status: 501, title: 'not_implemented', detail: `${name} is not available yet` });
    const request = await deps.store.requests.get(ctx.instanceId);
    if (!request) throw new ActivityFailure({ type: `${LEASE_ERROR_BASE}not_found`, status: 404, title: 'request_not_found', detail: `request ${ctx.instanceId} does not exist` });
    return call(isRecord(args) ? args : {}, request, ctx);
  };
}

/**
 * The policy again (a refusal denies the request). With `validator: llm` (Thand's `with`), also
 * the language model's verdict on whether the reason fits the role, for the workflow to branch
 * on (under `.validation`: `valid`, `reason`, `source`); without a model, or when it gives no verdict, the static
 * checks stand, with a note saying so.
 */
async function validate(deps: BuiltinCallDeps, request: RequestRecord, args: Record<string, unknown>): Promise<unknown> {
  await asDenial(async () => deps.directory.validate(request));
  const checked = { role: request.role, provider: request.provider, duration_ms: request.duration_ms };
  if (args.validator !== 'llm') return { valid: true, source: 'static', ...checked };
  if (!deps.reasonJudge) return { valid: true, source: 'static', note: 'no language model configured (services.llm): static checks only', ...checked };
  const verdict = await deps.reasonJudge(request);
  if ('unavailable' in verdict) {
    deps.logger.warn({ request: request.id, reason: verdict.unavailable }, 'lease.validate: no verdict from the language model, static checks only');
    return { valid: true, source: 'static', note: `no verdict from the language model (${verdict.unavailable}): static checks only`, ...checked };
  }
  deps.logger.info({ request: request.id, valid: verdict.valid, model: verdict.model }, 'lease.validate: language model verdict');
  return { valid: verdict.valid, reason: verdict.reason, source: 'llm', model: verdict.model, ...checked };
}

/** Runs a check; its refusal (a LeaseError) ends the workflow as denied, without retries. */
async function asDenial(check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (err) {
    if (err instanceof LeaseError) {
      throw new ActivityFailure({ type: `${LEASE_ERROR_BASE}denied`, status: err.status, title: err.code, detail: err.message });
    }
    throw err;
  }
}

/**
 * lease.authorize of an extension request: the extended lease's expiry moves to the one fixed
 * when this call was issued (`granting`). The expiry is recorded, then the lease's workflow is
 * told (it re-arms its timer and grants again with the new expiry). A re-run after a crash only
 * tells it again, which changes nothing the second time.
 */
async function applyExtension(deps: BuiltinCallDeps, extension: RequestRecord): Promise<unknown> {
  const { store, clock } = deps;
  const originalId = extension.extended_from as string;
  const expiresAt = extension.expires_at;
  const original = await store.requests.get(originalId);
  if (!original || !expiresAt) {
    throw new ActivityFailure({ type: `${LEASE_ERROR_BASE}denied`, status: 403, title: 'lease_ended', detail: `request ${originalId} has no lease to extend` });
  }
  if (extension.status !== 'extended') {
    await asDenial(async () => deps.directory.checkApprovals(extension));
    await asDenial(async () => deps.directory.checkExtension(extension, original, expiresAt));
    const now = toIso(clock.now());
    await store.transaction(async (tx) => {
      const current = await tx.requests.get(originalId);
      if (current?.expires_at && current.expires_at < expiresAt) await tx.requests.update(originalId, { expires_at: expiresAt, updated_at: now });
      await tx.requests.update(extension.id, {
        status: 'extended',
        granted_at: now,
        ended_at: now,
        updated_at: now,
        outcome: { code: 'extended', message: `${originalId} now expires at ${expiresAt}` },
      });
      await tx.audit.append({ actor: 'lease', action: 'lease.extended', subject: originalId, data: { extension: extension.id, from: original.expires_at, to: expiresAt, by: identityKey(extension.identity) } });
      if (current?.status === 'active') await deps.leaseEvents?.(tx, { kind: 'extended', request: current, expiresAt });
    });
    deps.logger.info({ request: originalId, extension: extension.id, expires_at: expiresAt }, 'lease extended');
  }
  await deps.directory.signal(originalId, { type: EXTEND_EVENT, source: 'lease/extension', data: { expires_at: expiresAt, extension: extension.id } });
  return { extended: true, request: originalId, expires_at: expiresAt };
}

async function authorize(deps: BuiltinCallDeps, request: RequestRecord, extendTo?: string): Promise<unknown> {
  const { store, clock } = deps;
  const provider = deps.directory.accessProvider(request.provider);
  const role = deps.directory.grantRole(request.role);
  if (!provider || !role) {
    throw new ActivityFailure({
      type: `${LEASE_ERROR_BASE}denied`,
      status: 403,
      title: provider ? 'role_not_found' : 'provider_not_found',
      detail: provider ? `role "${request.role}" is no longer configured` : `provider "${request.provider}" cannot grant access`,
    });
  }
  // A role that names approvers is granted only with their approvals, whatever the workflow
  // did; a re-run after the grant was recorded does not ask again.
  const granted = await store.grants.get(request.id, request.provider);
  if (granted === undefined) await asDenial(() => deps.directory.checkApprovals(request));
  if (extendTo !== undefined && (granted === undefined || granted.revoked_at !== null)) {
    throw new ActivityFailure({ type: `${LEASE_ERROR_BASE}denied`, status: 409, title: 'not_granted', detail: `request ${request.id} holds no grant to extend` });
  }
  // The expiry was fixed when the call was issued (status `granting`), so a re-run after a
  // crash never extends it. An extension grants again with its own, later expiry (interpreter rule 7).
  const expiresAt = extendTo ?? request.expires_at ?? toIso(clock.now() + request.duration_ms);
  let record: GrantRecord;
  const metrics = deps.metrics ?? noMetrics;
  const started = performance.now();
  try {
    record = await provider.grant({ requestId: request.id, identity: request.identity, role, expiresAt });
    metrics.providerCall('grant', request.provider, 'ok', secondsSince(started, () => performance.now()));
  } catch (err) {
    metrics.providerCall('grant', request.provider, 'error', secondsSince(started, () => performance.now()));
    // A refusal by the provider (bad account, invalid command) will not pass on retry. What it
    // made before refusing is undone first, so nothing stays once the request has failed.
    if (err instanceof LeaseError && err.status < 500) {
      await undoRefusedGrant(deps, provider, request);
      throw new ActivityFailure({ type: `${LEASE_ERROR_BASE}grant_refused`, status: err.status, title: err.code, detail: err.message });
    }
    throw err;
  }
  const now = toIso(clock.now());
  await store.transaction(async (tx) => {
    const existing = await tx.grants.get(request.id, request.provider);
    await tx.grants.upsert({ request_id: request.id, provider: request.provider, record, granted_at: existing?.granted_at ?? now });
    const current = await tx.requests.get(request.id);
    if (current && extendTo !== undefined) {
      if ((current.expires_at ?? '') < expiresAt) await tx.requests.update(request.id, { expires_at: expiresAt, updated_at: now });
    } else if (current && current.status !== 'active') {
      await tx.requests.update(request.id, { status: 'active', granted_at: now, expires_at: expiresAt, updated_at: now });
      await tx.audit.append({ actor: 'lease', action: 'lease.granted', subject: request.id, data: { provider: request.provider, role: request.role, identity: identityKey(request.identity), expires_at: expiresAt } });
      await deps.leaseEvents?.(tx, { kind: 'granted', request, expiresAt });
    }
  });
  deps.logger.info({ request: request.id, user: identityKey(request.identity), role: request.role, provider: request.provider, expires_at: expiresAt }, 'lease granted');
  return { granted: true, provider: request.provider, expires_at: expiresAt };
}

/**
 * Revokes by request id after a refused grant (the provider finds what it made by its tags or
 * names). A failure here is logged and the request still fails: the reconciler revokes a grant
 * whose request has ended.
 */
async function undoRefusedGrant(deps: BuiltinCallDeps, provider: AccessProvider, request: RequestRecord): Promise<void> {
  try {
    await provider.revoke({ provider: request.provider, requestId: request.id, data: {} });
  } catch (err) {
    deps.logger.error({ request: request.id, provider: request.provider, err: err instanceof Error ? err.message : String(err) }, 'cannot undo a refused grant; left for reconciliation');
  }
}

async function revoke(deps: BuiltinCallDeps, request: RequestRecord, reason: string): Promise<unknown> {
  const { store, clock } = deps;
  const grantMissing = request.outcome?.code === GRANT_MISSING;
  if (request.status === 'revoked' || (grantMissing && request.status === 'failed')) return { revoked: true, provider: request.provider };
  const provider = deps.directory.accessProvider(request.provider);
  const grant = await store.grants.get(request.id, request.provider);
  if (provider && !grant?.revoked_at) {
    // No grant row means a crash may have hit between the provider's grant and its record:
    // revoke by request id anyway, since revoking what is absent succeeds.
    const record = (grant?.record as GrantRecord | undefined) ?? { provider: request.provider, requestId: request.id, data: {} };
    const metrics = deps.metrics ?? noMetrics;
    const started = performance.now();
    try {
      await provider.revoke(record);
    } catch (err) {
      metrics.providerCall('revoke', request.provider, 'error', secondsSince(started, () => performance.now()));
      throw err;
    }
    metrics.providerCall('revoke', request.provider, 'ok', secondsSince(started, () => performance.now()));
  } else if (!provider) {
    deps.logger.error({ request: request.id, provider: request.provider }, 'provider missing at revocation; grant left for reconciliation');
    throw new Error(`provider "${request.provider}" is not available to revoke`);
  }
  const now = toIso(clock.now());
  await store.transaction(async (tx) => {
    if (grant && !grant.revoked_at) await tx.grants.markRevoked(request.id, request.provider, now);
    await tx.requests.update(request.id, {
      status: grantMissing ? 'failed' : 'revoked',
      ended_at: now,
      updated_at: now,
      outcome: grantMissing && request.outcome ? request.outcome : { code: reason === 'expired' ? 'expired' : 'revoked', message: reason },
    });
    await tx.audit.append({ actor: 'lease', action: 'lease.revoked', subject: request.id, data: { provider: request.provider, reason } });
    if (grantMissing) await tx.audit.append({ actor: 'lease', action: 'request.failed', subject: request.id, data: { code: GRANT_MISSING, message: request.outcome?.message ?? '' } });
    await deps.leaseEvents?.(tx, { kind: 'ended', request });
  });
  if (reason === 'expired' && request.expires_at !== null) deps.metrics?.expiryRevokeLag(request.provider, Math.max(0, clock.now() - Date.parse(request.expires_at)) / 1000);
  // Reasons are people's words (the audit has them): logs carry ids only.
  deps.logger.info({ request: request.id, user: identityKey(request.identity), role: request.role, provider: request.provider }, reason === 'expired' ? 'lease expired' : 'lease revoked');
  return { revoked: true, provider: request.provider };
}

/**
 * A provider operation Thand registers as a workflow function (`slack.postMessage`): it acts
 * through the notification provider `with.provider` names. A provider that is missing or has no
 * such operation fails the call with a message naming what is missing (no retries), and the
 * workflow's error handling (`try`/`catch`) decides what follows.
 */
async function providerOperation(deps: BuiltinCallDeps, request: RequestRecord, name: string, args: Record<string, unknown>): Promise<unknown> {
  const providerId = typeof args.provider === 'string' ? args.provider : undefined;
  const notifier = providerId === undefined ? undefined : deps.directory.notifier(providerId);
  if (!notifier?.operation) {
    const named = providerId === undefined ? 'with.provider names no provider' : `provider "${providerId}" is not a configured, enabled provider that can run it`;
    throw new ActivityFailure({ type: `${LEASE_ERROR_BASE}not_implemented`, status: 501, title: 'provider_not_implemented', detail: `${name}: ${named}` });
  }
  try {
    const result = await notifier.operation(name, args);
    await deps.store.audit.append({ actor: 'lease', action: 'notify', subject: request.id, data: { to: typeof args.to === 'string' ? args.to : null, provider: providerId ?? null, call: name, delivered: true } });
    return result;
  } catch (err) {
    // Arguments or a target that cannot work fail at once; anything else is retried.
    if (err instanceof LeaseError && err.status < 500) throw new ActivityFailure({ type: `${LEASE_ERROR_BASE}notify_failed`, status: err.status, title: err.code, detail: err.message });
    throw err;
  }
}

/**
 * Sends through the notification provider the workflow names (`with.provider`); a provider
 * that is not configured (e.g. Thand's `slack` before Slack exists) is logged, not failed,
 * so a workflow written for Thand still runs.
 */
async function notify(deps: BuiltinCallDeps, request: RequestRecord, args: Record<string, unknown>): Promise<unknown> {
  const message = typeof args.message === 'string' ? args.message.trim() : JSON.stringify(args.message ?? '');
  const to = typeof args.to === 'string' ? args.to : null;
  const providerId = typeof args.provider === 'string' ? args.provider : null;
  const notifier = providerId ? deps.directory.notifier(providerId) : undefined;
  if (notifier?.email && deps.directory.emailInvites) {
    // E-mail: one mail per address `to` resolves to; with `approvals: true`, to each approver
    // with a personal link. A retry after a failure part-way mails the first ones again.
    const invites = await deps.directory.emailInvites(request, args.to, args.approvals === true, notifier.email.linkTtlMs);
    const about = { id: request.id, role: request.role, provider: request.provider, requester: request.identity.email ?? request.identity.id, reason: request.reason, status: request.status };
    for (const invite of invites) await notifier.send({ to: invite.to, message, request: about, ...(invite.approval ? { approval: invite.approval } : {}) });
    if (invites.length === 0) deps.logger.warn({ request: request.id, provider: providerId }, 'notify: no e-mail address to send to');
    await deps.store.audit.append({ actor: 'lease', action: 'notify', subject: request.id, data: { to, provider: providerId, delivered: invites.length > 0, recipients: invites.map((i) => i.to), approvals: args.approvals === true } });
    return { sent: invites.length > 0, provider: providerId, recipients: invites.length };
  }
  if (notifier) {
    const link = deps.requestLink?.(request.id);
    const roleName = deps.directory.grantRole(request.role)?.name;
    let receipt;
    try {
      receipt = await notifier.send({
        to,
        message,
        approvals: args.approvals === true,
        request: {
          id: request.id,
          role: request.role,
          provider: request.provider,
          requester: request.identity.email ?? request.identity.id,
          reason: request.reason,
          status: request.status,
          ...(request.identity.name ? { requester_name: request.identity.name } : {}),
          ...(roleName ? { role_name: roleName } : {}),
          duration: formatIsoDuration(request.duration_ms),
        },
        ...(link === undefined ? {} : { link }),
      });
    } catch (err) {
      // A target that cannot work (no channel, a missing scope) fails at once; anything else is retried.
      if (err instanceof LeaseError && err.status < 500) throw new ActivityFailure({ type: `${LEASE_ERROR_BASE}notify_failed`, status: err.status, title: err.code, detail: err.message });
      throw err;
    }
    // Where the message is, so it can be updated (a decision, the lease's end) and its buttons trusted.
    if (receipt) await deps.store.notificationMessages.record({ request_id: request.id, provider: providerId!, channel: receipt.channel, message_id: receipt.message_id });
  } else {
    deps.logger.info({ request: request.id, to, provider: providerId }, `notify (no notification provider "${providerId ?? ''}"): ${message}`);
  }
  await deps.store.audit.append({ actor: 'lease', action: 'notify', subject: request.id, data: { to, provider: providerId, delivered: !!notifier } });
  return { sent: !!notifier, provider: providerId };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
