// Requests: policy decision, creation with its workflow, lookup, early revocation, and the
// request status kept in step with the workflow (inside the workflow's checkpoint transaction).
import {
  Conflict,
  Forbidden,
  InvalidInput,
  NotFound,
  PolicyDenied,
  formatIsoDuration,
  identityKey,
  isFinalStatus,
  newId,
  parseDuration,
  sameIdentity,
  toIso,
  type Clock,
  type Identity,
  type Logger,
  type RequestStatus,
} from '../../core/index.js';
import type { LoadedConfig, ResolvedRole } from '../../config/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import { tracer } from '../../tracing/index.js';
import { RecordExists, type DecisionChannel, type DecisionRecord, type RequestRecord, type ReviewRecord, type Store } from '../../store/index.js';
import { ALERT_EVENTS, APPROVAL_EVENT, REVOKE_EVENT, canonicalEventType } from '../../workflow/calls/index.js';
import { DEFAULT_WORKFLOW, breakGlassWorkflow, defaultApprovalWorkflow, extensionApprovalWorkflow, type ApprovalNotice } from '../../workflow/dsl/index.js';
import type { WorkflowDocument, WorkflowEvent, WorkflowState } from '../../workflow/interpreter/types.js';
import type { StepEvent, StepObserver, WorkflowRuntime } from '../../workflow/runtime/index.js';
import { LEASE_ERROR_BASE } from '../../workflow/runtime/index.js';
import type { CreateRequestBody, RequestView, ReviewView } from '../api/schemas.js';
import type { AccessControl } from './access-control.js';
import { checkExtensionLength, checkPolicy, requestedProvider } from './access-directory.js';
import { approvalProgress, isApprover, isStageApprover, needsApproval } from './approvers.js';
import { toApprovalsView, toRequestView } from './views.js';
import { approveIfOnCall } from './on-call-approval.js';

export interface RequestServiceDeps {
  store: Store;
  config: LoadedConfig;
  providers: Map<string, ProviderInstance>;
  clock: Clock;
  logger: Logger;
  access: AccessControl;
}

export const DEFAULT_WORKFLOW_ID = 'default';

/** Longest a client may wait for a status change in one call. */
export const MAX_WAIT_MS = 60_000;

/** How far ahead a start may be scheduled unless `server.max_start_ahead` says otherwise. */
export const DEFAULT_MAX_START_AHEAD_MS = 30 * 24 * 60 * 60 * 1000;

export class RequestService implements StepObserver {
  private runtime: WorkflowRuntime | undefined;
  /** Callers waiting for a request to change, woken after each committed workflow step. */
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Set by releaseWaiters(): long polls answer at once, with the request as it is. */
  private releasing = false;
  private readonly decisionListeners: Array<(requestId: string, channel: DecisionChannel | undefined) => void> = [];
  /** Requests whose step being committed ends them while still waiting for approval. */
  private readonly endingUndecided = new Set<string>();

  constructor(private readonly deps: RequestServiceDeps) {}

  attach(runtime: WorkflowRuntime): void {
    this.runtime = runtime;
  }

  /**
   * Told after each recorded decision (with its channel), and after a request ends while still
   * waiting for approval (expired, withdrawn, failed: no channel); the Slack messages about the
   * request are rewritten. Must not throw.
   */
  onDecision(listener: (requestId: string, channel: DecisionChannel | undefined) => void): void {
    this.decisionListeners.push(listener);
  }

  /** Delivers an event to a request's workflow (used by the built-in calls: an applied extension). */
  signal(instanceId: string, event: WorkflowEvent): Promise<void> {
    return this.requireRuntime().signal(instanceId, event);
  }

  async create(identity: Identity, asked: CreateRequestBody): Promise<RequestView> {
    const { store, config, providers, clock, logger } = this.deps;
    const body = { ...asked, provider: requestedProvider(config, asked.role, asked.provider) };
    const durationMs = parseDuration(body.duration, 'duration');
    const role = config.roles.get(body.role);
    try {
      checkPolicy(config, providers, { identity, roleId: body.role, providerId: body.provider, durationMs, reason: body.reason });
    } catch (err) {
      if (err instanceof PolicyDenied) {
        await store.audit.append({
          actor: identityKey(identity),
          action: 'request.denied',
          subject: null,
          data: { role: body.role, provider: body.provider, duration: formatIsoDuration(durationMs), reason: body.reason, code: err.code },
        });
        logger.info({ user: identityKey(identity), role: body.role, provider: body.provider, code: err.code }, 'request denied by policy');
      }
      throw err;
    }
    const now = clock.now();
    const breakGlass = body.break_glass === true;
    if (breakGlass && !role!.breakGlass) {
      throw new InvalidInput(`role "${role!.id}" cannot be requested break-glass (it has no break_glass: true)`, 'break_glass');
    }
    const startAt = body.start_at === undefined ? null : this.checkStart(body.start_at, now);
    const { workflowId, document } = breakGlass ? this.breakGlassWorkflowFor(role!, identity, body.reason) : this.workflowFor(role!, body.workflow);
    const timeoutMs = !breakGlass && role!.approvals ? role!.approvals.timeoutMs : undefined;
    const record: RequestRecord = {
      id: newId('req', now),
      identity,
      role: body.role,
      provider: body.provider,
      workflow: workflowId === DEFAULT_WORKFLOW_ID ? null : workflowId,
      reason: body.reason.trim(),
      duration_ms: durationMs,
      status: 'pending',
      created_at: toIso(now),
      updated_at: toIso(now),
      granted_at: null,
      expires_at: null,
      ended_at: null,
      outcome: null,
      break_glass: breakGlass,
      start_at: startAt,
      extended_from: null,
      timeout_at: timeoutMs === undefined ? null : toIso(now + timeoutMs),
    };
    await this.startRequest(identity, record, workflowId, document, role!);
    if (breakGlass) logger.warn({ request: record.id, user: identityKey(identity), role: record.role, provider: record.provider }, 'BREAK-GLASS request: granted without approval, review opened');
    else logger.info({ request: record.id, user: identityKey(identity), role: record.role, provider: record.provider }, 'request created');
    if (!breakGlass && role!.approvals?.autoApproveOnCall) {
      const approval = await approveIfOnCall(this.deps, record, role!);
      if (approval) await this.requireRuntime().signal(record.id, { type: APPROVAL_EVENT, source: 'lease/on-call', data: approval });
    }
    return this.get(identity, record.id);
  }

  /** Starts the request's workflow; the request row, its audit (and a break-glass review) commit with the start. */
  private async startRequest(identity: Identity, record: RequestRecord, workflowId: string, document: WorkflowDocument, role: ResolvedRole, channel?: DecisionChannel): Promise<void> {
    tracer().annotate({ 'lease.request.id': record.id, 'lease.role': record.role, 'lease.provider.id': record.provider });
    const input = {
      id: record.id,
      role: { id: role.id, name: role.name, description: role.description, permissions: role.permissions, resources: role.resources },
      providers: [record.provider],
      provider: record.provider,
      authenticator: identity.provider,
      workflow: workflowId,
      reason: record.reason,
      duration: formatIsoDuration(record.duration_ms),
      user: { id: identity.id, email: identity.email ?? null, name: identity.name ?? null, groups: identity.groups, provider: identity.provider },
      // Read by the interpreter (lease.ts rule 6): the grant waits for start_at; undecided at approval_deadline, the request expires.
      ...(record.start_at ? { start_at: record.start_at } : {}),
      ...(record.timeout_at ? { approval_deadline: record.timeout_at } : {}),
      ...(record.break_glass ? { break_glass: true } : {}),
      ...(record.extended_from ? { extends: record.extended_from } : {}),
    };
    await this.requireRuntime().start({
      instanceId: record.id,
      workflow: workflowId,
      document,
      input,
      within: async (tx) => {
        await tx.requests.insert(record);
        await tx.audit.append({
          actor: identityKey(identity),
          action: record.extended_from ? 'request.extension_requested' : 'request.created',
          subject: record.id,
          data: {
            role: record.role,
            provider: record.provider,
            duration: formatIsoDuration(record.duration_ms),
            reason: record.reason,
            workflow: workflowId,
            ...(record.start_at ? { start_at: record.start_at } : {}),
            ...(record.timeout_at ? { timeout_at: record.timeout_at } : {}),
            ...(record.extended_from ? { extends: record.extended_from } : {}),
            ...(channel ? { channel } : {}),
          },
        });
        if (record.break_glass) {
          const review: ReviewRecord = { id: newId('rev', this.deps.clock.now()), request_id: record.id, opened_at: record.created_at, closed_at: null, closed_by: null, comment: null };
          await tx.reviews.insert(review);
          await tx.audit.append({ actor: identityKey(identity), action: 'request.break_glass', subject: record.id, data: { role: record.role, provider: record.provider, reason: record.reason, review: review.id } });
        }
      },
    });
  }

  /** A scheduled start: a time in the future, at most `server.max_start_ahead` (default 30 days) ahead. */
  private checkStart(text: string, now: number): string {
    const at = Date.parse(text);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || !Number.isFinite(at)) throw new InvalidInput(`"${text}" is not an ISO-8601 time (e.g. 2026-05-01T09:00:00Z)`, 'start_at');
    if (at <= now) throw new InvalidInput(`start_at ${text} is in the past`, 'start_at');
    const limit = this.deps.config.server?.max_start_ahead ? parseDuration(this.deps.config.server.max_start_ahead, 'server.max_start_ahead') : DEFAULT_MAX_START_AHEAD_MS;
    if (at - now > limit) throw new InvalidInput(`start_at may be at most ${formatIsoDuration(limit)} ahead`, 'start_at');
    return toIso(at);
  }

  /**
   * Asks for more time on an active lease: an extension request (`extended_from`), through the
   * role's approvals unless the role has `extend_without_approval`. Once applied, the lease's
   * expiry moves (its workflow's timer, and the provider's own expiry through a new grant).
   * The lease in total never exceeds the role's max_duration.
   */
  async extend(identity: Identity, id: string, asked: { duration: string; reason?: string | undefined }, channel?: DecisionChannel): Promise<RequestView> {
    const { config, clock, logger } = this.deps;
    const original = await this.visible(identity, id);
    if (!sameIdentity(original.identity, identity)) throw new Forbidden('not_requester', `only the requester of ${id} may extend it`);
    if (original.extended_from !== null) throw new InvalidInput(`${id} is an extension: extend ${original.extended_from} instead`, 'id');
    if (original.status !== 'active' || !original.granted_at || !original.expires_at) throw new Conflict('not_active', `request ${id} is ${original.status}: only an active lease can be extended`);
    const durationMs = parseDuration(asked.duration, 'duration');
    const role = config.roles.get(original.role);
    if (!role) throw new PolicyDenied('role_not_found', `role "${original.role}" is no longer configured`, 'role');
    checkExtensionLength(original, role, durationMs, Date.parse(original.expires_at));
    const now = clock.now();
    const record: RequestRecord = {
      id: newId('req', now),
      identity,
      role: original.role,
      provider: original.provider,
      workflow: null,
      reason: asked.reason?.trim() || `extension of ${id}`,
      duration_ms: durationMs,
      status: 'pending',
      created_at: toIso(now),
      updated_at: toIso(now),
      granted_at: null,
      expires_at: null,
      ended_at: null,
      outcome: null,
      break_glass: false,
      start_at: null,
      extended_from: id,
      timeout_at: null,
    };
    const approval = needsApproval(record, role);
    if (approval && role.approvals?.timeoutMs !== undefined) record.timeout_at = toIso(now + role.approvals.timeoutMs);
    // Extensions always run the built-in workflow: validate, ask the role's approvers where its
    // workflows ask them (the same notification providers and channels), their approvals, then apply.
    const document = approval ? extensionApprovalWorkflow(role.approvals!.required, this.approvalNotices(role), `Extension of ${id}: ${formatIsoDuration(durationMs)} more`) : DEFAULT_WORKFLOW;
    await this.startRequest(identity, record, DEFAULT_WORKFLOW_ID, document, role, channel);
    logger.info({ request: record.id, extends: id, user: identityKey(identity), role: record.role, provider: record.provider }, 'extension requested');
    return this.get(identity, record.id);
  }

  async get(identity: Identity, id: string): Promise<RequestView> {
    return this.view(await this.visible(identity, id));
  }

  /** The API's view of a request, with where it stands against its role's approval stages. */
  async view(record: RequestRecord): Promise<RequestView> {
    const role = this.deps.config.roles.get(record.role);
    if (!needsApproval(record, role)) return toRequestView(record, null);
    return toRequestView(record, toApprovalsView(record, role, await this.deps.store.decisions.list(record.id), this.deps.access));
  }

  /**
   * The approvals inbox: pending requests the caller may approve now (an approver of the stage
   * awaiting approval, or an administrator), not their own and not yet decided by them.
   */
  async approvable(identity: Identity): Promise<RequestView[]> {
    const { store, config, access } = this.deps;
    const views: RequestView[] = [];
    for (const record of await store.requests.list({ status: ['pending'], limit: 1000 })) {
      const role = config.roles.get(record.role);
      if (sameIdentity(record.identity, identity) || !needsApproval(record, role) || !isApprover(identity, role, access)) continue;
      const decisions = await store.decisions.list(record.id);
      const progress = approvalProgress(record, role, decisions, access);
      if (progress.denial || progress.stage === null || decisions.some((d) => d.approver === identityKey(identity))) continue;
      if (!isStageApprover(identity, role!, progress.stage, access)) continue;
      views.push(toRequestView(record, toApprovalsView(record, role, decisions, access)));
    }
    return views;
  }

  /**
   * The request once its status is one of `until`, or as it is when `timeoutMs` passes: a long
   * poll, so `lease request --wait` answers the moment access is granted.
   */
  async waitFor(identity: Identity, id: string, until: readonly RequestStatus[], timeoutMs: number): Promise<RequestView> {
    const deadline = this.deps.clock.now() + Math.min(timeoutMs, MAX_WAIT_MS);
    for (;;) {
      const changed = this.nextChange(id);
      const record = await this.visible(identity, id);
      const remaining = deadline - this.deps.clock.now();
      if (until.includes(record.status) || remaining <= 0 || this.releasing) {
        changed.cancel();
        return this.view(record);
      }
      // Steps committed by another process (a separate `lease worker`) wake no one here: re-read each second.
      await changed.within(Math.min(remaining, 1_000));
    }
  }

  /**
   * A shutdown ends every long poll now, each answered with its request as it stands, so the
   * HTTP calls finish cleanly (the client polls again, at another replica or after the restart).
   */
  releaseWaiters(): void {
    this.releasing = true;
    const waiting = [...this.waiters.values()];
    this.waiters.clear();
    for (const set of waiting) for (const wake of set) wake();
  }

  afterCommit({ instanceId }: StepEvent): void {
    if (this.endingUndecided.delete(instanceId)) {
      for (const listener of this.decisionListeners) listener(instanceId, undefined);
    }
    const waiting = this.waiters.get(instanceId);
    if (!waiting) return;
    this.waiters.delete(instanceId);
    for (const wake of waiting) wake();
  }

  /** A promise for the next committed step of `id`, armed before the status is read so no change is missed. */
  private nextChange(id: string): { within(ms: number): Promise<void>; cancel(): void } {
    let wake!: () => void;
    const changed = new Promise<void>((resolve) => (wake = resolve));
    let set = this.waiters.get(id);
    if (!set) this.waiters.set(id, (set = new Set()));
    set.add(wake);
    const cancel = () => {
      const current = this.waiters.get(id);
      current?.delete(wake);
      if (current?.size === 0) this.waiters.delete(id);
    };
    return {
      cancel,
      within: async (ms) => {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([changed, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
        clearTimeout(timer);
        cancel();
      },
    };
  }

  async list(identity: Identity, filter: { status?: RequestStatus[]; all?: boolean; limit?: number }): Promise<RequestView[]> {
    if (filter.all && !this.deps.access.isAdmin(identity)) {
      throw new Forbidden('admin_required', 'listing every user\'s requests needs an administrator');
    }
    const records = await this.deps.store.requests.list({
      ...(filter.all ? {} : { identityId: identity.id }),
      ...(filter.status ? { status: filter.status } : {}),
      limit: filter.limit ?? 100,
    });
    return Promise.all(records.filter((r) => filter.all || sameIdentity(r.identity, identity)).map((r) => this.view(r)));
  }

  /** Asks the request's workflow to revoke now; the revocation itself runs as a workflow step. */
  async revoke(identity: Identity, id: string, reason: string | undefined): Promise<RequestView> {
    tracer().annotate({ 'lease.request.id': id });
    const record = await this.visible(identity, id);
    if (isFinalStatus(record.status)) throw new Conflict('request_ended', `request ${id} has already ended (${record.status})`);
    const by = identityKey(identity);
    const why = reason?.trim() || (sameIdentity(record.identity, identity) ? 'revoked by requester' : `revoked by ${by}`);
    await this.deps.store.audit.append({ actor: by, action: 'request.revoke_requested', subject: id, data: { reason: why } });
    this.deps.logger.info({ request: id, by, user: identityKey(record.identity), role: record.role, provider: record.provider }, 'revoke requested');
    await this.requireRuntime().signal(id, { type: REVOKE_EVENT, source: 'lease/api', data: { reason: why, by } });
    return this.view((await this.deps.store.requests.get(id))!);
  }

  /**
   * An approver's decision, recorded (one per approver) and delivered to the request's workflow
   * as a `com.lease.approval` event made here, with the approver taken from the session. The
   * rules (approvers.ts) hold on every route that decides: the role's approvers or
   * administrators, never the requester. A retried identical decision re-delivers the event
   * (the first delivery may have been cut short by a crash); a different one is a conflict.
   */
  async decide(identity: Identity, id: string, approved: boolean, reason: string | undefined, channel: DecisionChannel = 'api'): Promise<RequestView> {
    tracer().annotate({ 'lease.request.id': id });
    const { store, clock } = this.deps;
    const record = await store.requests.get(id);
    const own = !!record && sameIdentity(record.identity, identity);
    if (!record || (!own && !this.mayDecide(identity, record))) throw new NotFound('request_not_found', `request ${id} does not exist`, 'id');
    if (own) throw new Forbidden('self_approval_forbidden', 'nobody approves their own request');
    if (record.status !== 'pending') throw new Conflict('not_pending', `request ${id} is ${record.status}, not awaiting approval`);
    const approver = identityKey(identity);
    const role = this.deps.config.roles.get(record.role);
    const decision: DecisionRecord = { request_id: id, approver, identity, approved, reason: reason ?? null, channel, decided_at: toIso(clock.now()) };
    try {
      await store.transaction(async (tx) => {
        const decisions = await tx.decisions.list(id);
        // A retried identical decision is re-delivered below; the stage rules apply to new ones.
        if (decisions.some((d) => d.approver === approver)) throw new RecordExists('decision', `${id}/${approver}`);
        const stage = this.checkStage(identity, record, role, decisions, approved);
        await tx.decisions.insert(decision);
        await tx.audit.append({
          actor: approver,
          action: approved ? 'request.approved' : 'request.rejected',
          subject: id,
          data: { reason: reason ?? null, channel, at: decision.decided_at, ...(stage === undefined ? {} : { stage }) },
        });
      });
    } catch (err) {
      if (!(err instanceof RecordExists)) throw err;
      const earlier = (await store.decisions.list(id)).find((d) => d.approver === approver);
      if (earlier?.approved !== approved) throw new Conflict('already_decided', `you already ${earlier?.approved ? 'approved' : 'denied'} request ${id}`);
    }
    this.deps.logger.info({ request: id, approver, user: identityKey(record.identity), role: record.role, provider: record.provider }, approved ? 'request approved' : 'request rejected');
    await this.requireRuntime().signal(id, {
      type: APPROVAL_EVENT,
      source: 'lease/api',
      data: {
        approved,
        approver,
        user: { id: identity.id, provider: identity.provider, email: identity.email ?? null, name: identity.name ?? null },
        email: identity.email ?? null,
        channel,
        ...(reason ? { reason } : {}),
      },
    });
    for (const listener of this.decisionListeners) listener(id, channel);
    return this.view((await store.requests.get(id))!);
  }

  /**
   * Stages are approved in order: an approval counts only from an approver of the stage awaiting
   * approval (or an administrator). Any of the role's approvers may deny at any stage. Returns
   * the stage name the approval counts for.
   */
  private checkStage(identity: Identity, record: RequestRecord, role: ResolvedRole | undefined, decisions: readonly DecisionRecord[], approved: boolean): string | undefined {
    if (!approved || !role?.approvals || !needsApproval(record, role)) return undefined;
    const progress = approvalProgress(record, role, decisions, this.deps.access);
    if (progress.denial) throw new Conflict('not_pending', `request ${record.id} was denied by ${progress.denial.approver}`);
    if (progress.stage === null) throw new Conflict('already_approved', `request ${record.id} has every approval it needs`);
    const stage = role.approvals.stages[progress.stage]!;
    if (!isStageApprover(identity, role, progress.stage, this.deps.access)) {
      throw new Forbidden('not_stage_approver', `request ${record.id} awaits approval by "${stage.name}" (stage ${progress.stage + 1} of ${role.approvals.stages.length}), which you are not one of`);
    }
    return stage.name;
  }

  /** Break-glass reviews, newest first (administrators). */
  async reviews(identity: Identity, status: 'open' | 'closed' | 'all' = 'all'): Promise<ReviewView[]> {
    if (!this.deps.access.isAdmin(identity)) throw new Forbidden('admin_required', 'break-glass reviews are for administrators');
    const records = (await this.deps.store.reviews.list({ open: status === 'open' })).filter((r) => status !== 'closed' || r.closed_at !== null);
    return Promise.all(records.map((r) => this.reviewView(r)));
  }

  /** Closes a break-glass review: an administrator other than the request's requester, with a comment; audited. */
  async closeReview(identity: Identity, id: string, comment: string): Promise<ReviewView> {
    const { store, clock, access, logger } = this.deps;
    if (!access.isAdmin(identity)) throw new Forbidden('admin_required', 'break-glass reviews are closed by administrators');
    const review = await store.reviews.get(id);
    if (!review) throw new NotFound('review_not_found', `review ${id} does not exist`, 'id');
    const request = await store.requests.get(review.request_id);
    if (request && sameIdentity(request.identity, identity)) throw new Forbidden('self_review_forbidden', 'nobody closes the review of their own break-glass request');
    const by = identityKey(identity);
    const now = toIso(clock.now());
    const closed = await store.transaction(async (tx) => {
      if (!(await tx.reviews.close(id, { closed_at: now, closed_by: by, comment: comment.trim() }))) return false;
      await tx.audit.append({ actor: by, action: 'review.closed', subject: review.request_id, data: { review: id, comment: comment.trim() } });
      return true;
    });
    if (!closed) throw new Conflict('review_closed', `review ${id} is already closed`);
    logger.info({ review: id, request: review.request_id, by }, 'break-glass review closed');
    return this.reviewView((await store.reviews.get(id))!);
  }

  private async reviewView(r: ReviewRecord): Promise<ReviewView> {
    const request = await this.deps.store.requests.get(r.request_id);
    return {
      ...r,
      status: r.closed_at === null ? 'open' : 'closed',
      request: request ? { role: request.role, provider: request.provider, requester: identityKey(request.identity), reason: request.reason, status: request.status } : null,
    };
  }

  /**
   * Delivers a CloudEvent to a request's workflow: administrators only, as themselves (the
   * event's source names them), audited. Lease's own decisions are not accepted here: approvals
   * only come from approve/deny and revocations from revoke, which apply their rules; of
   * Lease's event types, only alerts (lease.monitor) may be reported.
   */
  async sendEvent(identity: Identity, id: string, event: { type: string; data?: unknown }): Promise<RequestView> {
    if (!this.deps.access.isAdmin(identity)) throw new Forbidden('admin_required', 'sending events to a workflow needs an administrator');
    const record = await this.visible(identity, id);
    const caller = identityKey(identity);
    const type = canonicalEventType(event.type);
    if (type.startsWith('com.lease.') && !(ALERT_EVENTS as readonly string[]).includes(type)) {
      await this.deps.store.audit.append({ actor: caller, action: 'request.event_refused', subject: id, data: { type: event.type } });
      const use = type === APPROVAL_EVENT ? 'POST /api/v1/requests/{id}/approve or /deny' : type === REVOKE_EVENT ? 'POST /api/v1/requests/{id}/revoke' : 'the route for it';
      throw new Forbidden('event_type_reserved', `events of type ${event.type} are made by Lease itself: use ${use}`, 'type');
    }
    if (isFinalStatus(record.status)) throw new Conflict('request_ended', `request ${id} has already ended (${record.status})`);
    const data = isPlainObject(event.data) ? { ...event.data, reported_by: caller } : event.data;
    await this.deps.store.audit.append({ actor: caller, action: 'request.event', subject: id, data: { type: event.type } });
    await this.requireRuntime().signal(id, { type: event.type, source: `lease/api/${caller}`, ...(data === undefined ? {} : { data }) });
    return this.view((await this.deps.store.requests.get(id))!);
  }

  /** Whether `identity` may decide on `record` (the requester aside: the caller checks that). */
  private mayDecide(identity: Identity, record: RequestRecord): boolean {
    return isApprover(identity, this.deps.config.roles.get(record.role), this.deps.access);
  }

  /**
   * Keeps the request's status in step with its workflow, inside the workflow's checkpoint
   * transaction: `granting` when the step issues lease.authorize (the expiry is fixed then, so
   * a re-run after a crash never extends it), `revoking` when it issues lease.revoke, and the
   * final status when the workflow ends.
   */
  async afterStep({ instanceId, state, commands, tx }: StepEvent & { tx: Store }): Promise<void> {
    const ended = state.status === 'completed' || state.status === 'faulted' || state.status === 'cancelled';
    const calls = commands.filter((c) => c.kind === 'call').map((c) => c.name);
    if (!ended && calls.length === 0) return;
    const request = await tx.requests.get(instanceId);
    if (!request || isFinalStatus(request.status)) return;
    const now = this.deps.clock.now();
    if (calls.includes('lease.authorize') && request.status === 'pending') {
      const expiresAt = await this.expiryAtGrant(request, now, tx);
      await tx.requests.update(instanceId, { status: 'granting', expires_at: expiresAt, updated_at: toIso(now) });
      await tx.audit.append({ actor: 'lease', action: 'lease.granting', subject: instanceId, data: { provider: request.provider, role: request.role, expires_at: expiresAt } });
      this.deps.logger.info({ request: instanceId, user: identityKey(request.identity), role: request.role, provider: request.provider, expires_at: expiresAt }, 'lease granting');
    }
    if (calls.includes('lease.revoke') && (request.status === 'active' || request.status === 'granting')) {
      const reason = state.lease?.revoked_reason ?? 'revoked';
      await tx.requests.update(instanceId, { status: 'revoking', updated_at: toIso(now) });
      await tx.audit.append({ actor: 'lease', action: 'lease.revoking', subject: instanceId, data: { provider: request.provider, reason } });
      this.deps.logger.info({ request: instanceId, user: identityKey(request.identity), role: request.role, provider: request.provider }, 'lease revoking');
    }
    if (ended) await this.finish(instanceId, state, request, tx);
  }

  /**
   * The expiry fixed when the grant is issued: now + duration (a scheduled start is issued at its
   * time); for an extension, the extended lease's current expiry + the extension.
   */
  private async expiryAtGrant(request: RequestRecord, now: number, tx: Store): Promise<string> {
    if (request.extended_from === null) return toIso(Math.max(now, request.start_at ? Date.parse(request.start_at) : now) + request.duration_ms);
    const original = await tx.requests.get(request.extended_from);
    const base = original?.expires_at ? Date.parse(original.expires_at) : now;
    return toIso(Math.max(base, now) + request.duration_ms);
  }

  /** The request's final status from how its workflow ended, unless a call already set one. */
  private async finish(instanceId: string, state: WorkflowState, request: RequestRecord, tx: Store): Promise<void> {
    const now = toIso(this.deps.clock.now());
    let status: RequestStatus;
    let outcome: { code: string; message: string };
    if (state.status === 'cancelled') {
      status = 'revoked';
      outcome = { code: 'cancelled', message: 'revoked before access was granted' };
    } else if (state.status === 'faulted') {
      const error = state.error;
      // A target refusing the grant (e.g. the provider lacks a permission) is a failure, not a policy denial.
      const denied = error?.type === `${LEASE_ERROR_BASE}denied` || (error?.status === 403 && error.type !== `${LEASE_ERROR_BASE}grant_refused`);
      // Not approved by the role's approvals.timeout (interpreter rule 6): nothing was granted.
      const expired = error?.title === 'approval_expired' && state.lease === undefined;
      status = expired ? 'expired' : denied ? 'denied' : 'failed';
      outcome = { code: error?.title ?? (denied ? 'denied' : 'workflow_failed'), message: error?.detail ?? error?.title ?? 'the workflow failed' };
    } else {
      status = 'denied';
      outcome = { code: 'not_granted', message: 'the workflow ended without granting access' };
    }
    if (request.status === 'revoking') return; // the revoke call settles it
    if (request.status === 'pending') this.endingUndecided.add(instanceId);
    await tx.requests.update(instanceId, { status, outcome, ended_at: now, updated_at: now });
    await tx.audit.append({ actor: 'lease', action: `request.${status}`, subject: instanceId, data: { code: outcome.code, message: outcome.message } });
    this.deps.logger.info({ request: instanceId, user: identityKey(request.identity), role: request.role, provider: request.provider, code: outcome.code }, `request ${status}`);
  }

  /**
   * The role's workflow, or the built-in default: with the role's approvals when it names
   * approvers (lease.authorize refuses without them anyway, whatever the workflow).
   */
  private workflowFor(role: ResolvedRole, asked: string | undefined): { workflowId: string; document: WorkflowDocument } {
    const roleWorkflow = role.workflow ?? null;
    const id = asked ?? roleWorkflow;
    if (asked !== undefined && asked !== roleWorkflow) {
      throw new PolicyDenied('workflow_not_allowed', `workflow "${asked}" is not allowed for this role`, 'workflow');
    }
    if (!id) return { workflowId: DEFAULT_WORKFLOW_ID, document: role.approvals ? defaultApprovalWorkflow(role.approvals.required) : DEFAULT_WORKFLOW };
    const workflow = this.deps.config.workflows.get(id);
    if (!workflow) throw new NotFound('workflow_not_found', `workflow "${id}" is not configured`, 'workflow');
    if (!workflow.enabled) throw new PolicyDenied('workflow_disabled', `workflow "${id}" is disabled`, 'workflow');
    return { workflowId: id, document: workflow.workflow as WorkflowDocument };
  }

  /**
   * A break-glass request's workflow: every notification provider the role's workflows notify
   * through (else every notification provider configured) is told, then access is granted.
   */
  private breakGlassWorkflowFor(role: ResolvedRole, identity: Identity, reason: string): { workflowId: string; document: WorkflowDocument } {
    const named = new Set<string>();
    for (const id of role.workflows) for (const args of notifyCalls(this.deps.config.workflows.get(id)?.workflow)) named.add(args.provider);
    const notifiers = [...this.deps.providers.values()].filter((p) => p.enabled && p.notification && (named.size === 0 || named.has(p.id))).map((p) => p.id);
    const message = `BREAK-GLASS: ${identityKey(identity)} took role "${role.id}" without approval. Reason: ${reason.trim()}. An administrator must review it (lease reviews).`;
    return { workflowId: DEFAULT_WORKFLOW_ID, document: breakGlassWorkflow(notifiers, message) };
  }

  /**
   * Where the role's workflows ask for approvals (`notify` calls with `approvals: true` through a
   * configured notification provider, with their `to` when it is written out, not an expression).
   */
  private approvalNotices(role: ResolvedRole): ApprovalNotice[] {
    const found = new Map<string, ApprovalNotice>();
    for (const id of role.workflows) {
      for (const args of notifyCalls(this.deps.config.workflows.get(id)?.workflow)) {
        if (args.approvals !== true) continue;
        const to = typeof args.to === 'string' && !args.to.includes('${') ? args.to : undefined;
        found.set(`${args.provider}\u0000${to ?? ''}`, { provider: args.provider, ...(to === undefined ? {} : { to }) });
      }
    }
    return [...found.values()].filter((n) => this.deps.providers.get(n.provider)?.enabled && this.deps.providers.get(n.provider)?.notification);
  }

  /** Readable by its requester, administrators and those who may decide on it; otherwise 404. */
  async visible(identity: Identity, id: string): Promise<RequestRecord> {
    const record = await this.deps.store.requests.get(id);
    // Someone else's request is reported as missing, so ids cannot be probed.
    if (!record || (!sameIdentity(record.identity, identity) && !this.mayDecide(identity, record))) {
      throw new NotFound('request_not_found', `request ${id} does not exist`, 'id');
    }
    return record;
  }

  private requireRuntime(): WorkflowRuntime {
    if (!this.runtime) throw new Error('request service used before the runtime was attached');
    return this.runtime;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The arguments of every lease.notify (thand.notify) call in a workflow document whose `with.provider` is written out. */
function* notifyCalls(node: unknown): Generator<Record<string, unknown> & { provider: string }> {
  if (Array.isArray(node)) {
    for (const item of node) yield* notifyCalls(item);
    return;
  }
  if (!isPlainObject(node)) return;
  const call = typeof node.call === 'string' ? node.call : node.thand === 'notify' || node.lease === 'notify' ? 'lease.notify' : undefined;
  const args = node.with;
  if ((call === 'lease.notify' || call === 'thand.notify') && isPlainObject(args) && typeof args.provider === 'string' && !args.provider.includes('${')) {
    yield { ...args, provider: args.provider };
  }
  for (const value of Object.values(node)) yield* notifyCalls(value);
}
