// Requests: policy decision, creation with its workflow, lookup, early revocation, and the
// request status kept in step with the workflow (inside the workflow's checkpoint transaction).
import {
  Conflict,
  Forbidden,
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
import { RecordExists, type DecisionChannel, type DecisionRecord, type RequestRecord, type Store } from '../../store/index.js';
import { ALERT_EVENTS, APPROVAL_EVENT, REVOKE_EVENT, canonicalEventType } from '../../workflow/calls/index.js';
import { DEFAULT_WORKFLOW, defaultApprovalWorkflow } from '../../workflow/dsl/index.js';
import type { WorkflowDocument, WorkflowState } from '../../workflow/interpreter/types.js';
import type { StepEvent, StepObserver, WorkflowRuntime } from '../../workflow/runtime/index.js';
import { LEASE_ERROR_BASE } from '../../workflow/runtime/index.js';
import type { CreateRequestBody, RequestView } from '../api/schemas.js';
import type { AccessControl } from './access-control.js';
import { checkPolicy, requestedProvider } from './access-directory.js';
import { isApprover } from './approvers.js';
import { approveIfOnCall } from './on-call-approval.js';
import { toRequestView } from './views.js';

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

export class RequestService implements StepObserver {
  private runtime: WorkflowRuntime | undefined;
  /** Callers waiting for a request to change, woken after each committed workflow step. */
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly deps: RequestServiceDeps) {}

  attach(runtime: WorkflowRuntime): void {
    this.runtime = runtime;
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
    const { workflowId, document } = this.workflowFor(role!, body.workflow);
    const now = clock.now();
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
    };
    const input = {
      id: record.id,
      role: { id: role!.id, name: role!.name, description: role!.description, permissions: role!.permissions, resources: role!.resources },
      providers: [body.provider],
      provider: body.provider,
      authenticator: identity.provider,
      workflow: workflowId,
      reason: record.reason,
      duration: formatIsoDuration(durationMs),
      user: { id: identity.id, email: identity.email ?? null, name: identity.name ?? null, groups: identity.groups, provider: identity.provider },
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
          action: 'request.created',
          subject: record.id,
          data: { role: record.role, provider: record.provider, duration: formatIsoDuration(durationMs), reason: record.reason, workflow: workflowId },
        });
      },
    });
    logger.info({ request: record.id, user: identityKey(identity), role: record.role, provider: record.provider }, 'request created');
    if (role!.approvals?.autoApproveOnCall) {
      const approval = await approveIfOnCall(this.deps, record, role!);
      if (approval) await this.requireRuntime().signal(record.id, { type: APPROVAL_EVENT, source: 'lease/on-call', data: approval });
    }
    return this.get(identity, record.id);
  }

  async get(identity: Identity, id: string): Promise<RequestView> {
    return toRequestView(await this.visible(identity, id));
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
      if (until.includes(record.status) || remaining <= 0) {
        changed.cancel();
        return toRequestView(record);
      }
      // Steps committed by another process (a separate `lease worker`) wake no one here: re-read each second.
      await changed.within(Math.min(remaining, 1_000));
    }
  }

  afterCommit({ instanceId }: StepEvent): void {
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
    return records.filter((r) => filter.all || sameIdentity(r.identity, identity)).map(toRequestView);
  }

  /** Asks the request's workflow to revoke now; the revocation itself runs as a workflow step. */
  async revoke(identity: Identity, id: string, reason: string | undefined): Promise<RequestView> {
    const record = await this.visible(identity, id);
    if (isFinalStatus(record.status)) throw new Conflict('request_ended', `request ${id} has already ended (${record.status})`);
    const by = identityKey(identity);
    const why = reason?.trim() || (sameIdentity(record.identity, identity) ? 'revoked by requester' : `revoked by ${by}`);
    await this.deps.store.audit.append({ actor: by, action: 'request.revoke_requested', subject: id, data: { reason: why } });
    this.deps.logger.info({ request: id, by, user: identityKey(record.identity), role: record.role, provider: record.provider }, 'revoke requested');
    await this.requireRuntime().signal(id, { type: REVOKE_EVENT, source: 'lease/api', data: { reason: why, by } });
    return toRequestView((await this.deps.store.requests.get(id))!);
  }

  /**
   * An approver's decision, recorded (one per approver) and delivered to the request's workflow
   * as a `com.lease.approval` event made here, with the approver taken from the session. The
   * rules (approvers.ts) hold on every route that decides: the role's approvers or
   * administrators, never the requester. A retried identical decision re-delivers the event
   * (the first delivery may have been cut short by a crash); a different one is a conflict.
   */
  async decide(identity: Identity, id: string, approved: boolean, reason: string | undefined, channel: DecisionChannel = 'api'): Promise<RequestView> {
    const { store, clock } = this.deps;
    const record = await store.requests.get(id);
    const own = !!record && sameIdentity(record.identity, identity);
    if (!record || (!own && !this.mayDecide(identity, record))) throw new NotFound('request_not_found', `request ${id} does not exist`, 'id');
    if (own) throw new Forbidden('self_approval_forbidden', 'nobody approves their own request');
    if (record.status !== 'pending') throw new Conflict('not_pending', `request ${id} is ${record.status}, not awaiting approval`);
    const approver = identityKey(identity);
    const decision: DecisionRecord = { request_id: id, approver, identity, approved, reason: reason ?? null, channel, decided_at: toIso(clock.now()) };
    try {
      await store.transaction(async (tx) => {
        await tx.decisions.insert(decision);
        await tx.audit.append({ actor: approver, action: approved ? 'request.approved' : 'request.rejected', subject: id, data: { reason: reason ?? null, channel } });
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
    return toRequestView((await store.requests.get(id))!);
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
    return toRequestView((await this.deps.store.requests.get(id))!);
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
      const expiresAt = toIso(now + request.duration_ms);
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
      status = denied ? 'denied' : 'failed';
      outcome = { code: error?.title ?? (denied ? 'denied' : 'workflow_failed'), message: error?.detail ?? error?.title ?? 'the workflow failed' };
    } else {
      status = 'denied';
      outcome = { code: 'not_granted', message: 'the workflow ended without granting access' };
    }
    if (request.status === 'revoking') return; // the revoke call settles it
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
