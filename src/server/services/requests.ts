// Requests: policy decision, creation with its workflow, lookup, early revocation, and the
// request status kept in step with the workflow (inside the workflow's checkpoint transaction).
import {
  Conflict,
  Forbidden,
  NotFound,
  PolicyDenied,
  formatIsoDuration,
  identityInScope,
  isFinalStatus,
  newId,
  parseDuration,
  toIso,
  type Clock,
  type Identity,
  type Logger,
  type RequestStatus,
} from '../../core/index.js';
import type { LoadedConfig } from '../../config/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import type { RequestRecord, Store } from '../../store/index.js';
import { APPROVAL_EVENT, REVOKE_EVENT } from '../../workflow/calls/index.js';
import { DEFAULT_WORKFLOW } from '../../workflow/dsl/index.js';
import type { WorkflowDocument, WorkflowState } from '../../workflow/interpreter/types.js';
import type { StepEvent, StepObserver, WorkflowRuntime } from '../../workflow/runtime/index.js';
import { LEASE_ERROR_BASE } from '../../workflow/runtime/index.js';
import type { CreateRequestBody, RequestView } from '../api/schemas.js';
import type { AccessControl } from './access-control.js';
import { checkPolicy } from './access-directory.js';
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

  async create(identity: Identity, body: CreateRequestBody): Promise<RequestView> {
    const { store, config, providers, clock, logger } = this.deps;
    const durationMs = parseDuration(body.duration, 'duration');
    const role = config.roles.get(body.role);
    try {
      checkPolicy(config, providers, { identity, roleId: body.role, providerId: body.provider, durationMs, reason: body.reason });
    } catch (err) {
      if (err instanceof PolicyDenied) {
        await store.audit.append({
          actor: identity.id,
          action: 'request.denied',
          subject: null,
          data: { role: body.role, provider: body.provider, duration: formatIsoDuration(durationMs), reason: body.reason, code: err.code },
        });
        logger.info({ user: identity.id, role: body.role, provider: body.provider, code: err.code }, 'request denied by policy');
      }
      throw err;
    }
    const { workflowId, document } = this.workflowFor(role!.workflow ?? null, body.workflow);
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
          actor: identity.id,
          action: 'request.created',
          subject: record.id,
          data: { role: record.role, provider: record.provider, duration: formatIsoDuration(durationMs), reason: record.reason, workflow: workflowId },
        });
      },
    });
    logger.info({ request: record.id, user: identity.id, role: record.role, provider: record.provider }, 'request created');
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
    const key = identityKey(identity);
    return records.filter((r) => filter.all || identityKey(r.identity) === key).map(toRequestView);
  }

  /** Asks the request's workflow to revoke now; the revocation itself runs as a workflow step. */
  async revoke(identity: Identity, id: string, reason: string | undefined): Promise<RequestView> {
    const record = await this.visible(identity, id);
    if (isFinalStatus(record.status)) throw new Conflict('request_ended', `request ${id} has already ended (${record.status})`);
    const why = reason?.trim() || (record.identity.id === identity.id ? 'revoked by requester' : `revoked by ${identity.id}`);
    await this.deps.store.audit.append({ actor: identity.id, action: 'request.revoke_requested', subject: id, data: { reason: why } });
    await this.requireRuntime().signal(id, { type: REVOKE_EVENT, source: 'lease/api', data: { reason: why, by: identity.id } });
    return toRequestView((await this.deps.store.requests.get(id))!);
  }

  /**
   * An approver's decision, delivered to the request's workflow as a `com.lease.approval` event
   * (the workflow's lease.approvals or listen decides what it needs). Nobody approves their own
   * request; approvers are administrators or the role's `approvals.approvers` (users, groups).
   */
  async decide(identity: Identity, id: string, approved: boolean, reason: string | undefined): Promise<RequestView> {
    const record = await this.deps.store.requests.get(id);
    const own = !!record && identityKey(record.identity) === identityKey(identity);
    if (!record || (!own && !this.mayApprove(identity, record))) throw new NotFound('request_not_found', `request ${id} does not exist`, 'id');
    if (own) throw new Forbidden('self_approval_forbidden', 'nobody approves their own request');
    if (record.status !== 'pending') throw new Conflict('not_pending', `request ${id} is ${record.status}, not awaiting approval`);
    await this.deps.store.audit.append({
      actor: identity.id,
      action: approved ? 'request.approved' : 'request.rejected',
      subject: id,
      data: { reason: reason ?? null },
    });
    await this.requireRuntime().signal(id, {
      type: APPROVAL_EVENT,
      source: 'lease/api',
      data: { approved, approver: identity.id, email: identity.email ?? null, ...(reason ? { reason } : {}) },
    });
    return toRequestView((await this.deps.store.requests.get(id))!);
  }

  /** Delivers any CloudEvent to a request's workflow: administrators only (it could forge an approval). */
  async sendEvent(identity: Identity, id: string, event: { type: string; source?: string; data?: unknown }): Promise<RequestView> {
    if (!this.deps.access.isAdmin(identity)) throw new Forbidden('admin_required', 'sending events to a workflow needs an administrator');
    const record = await this.visible(identity, id);
    if (isFinalStatus(record.status)) throw new Conflict('request_ended', `request ${id} has already ended (${record.status})`);
    await this.deps.store.audit.append({ actor: identity.id, action: 'request.event', subject: id, data: { type: event.type } });
    await this.requireRuntime().signal(id, { ...event, source: event.source ?? `lease/api/${identity.id}` });
    return toRequestView((await this.deps.store.requests.get(id))!);
  }

  private mayApprove(identity: Identity, record: RequestRecord): boolean {
    if (this.deps.access.isAdmin(identity)) return true;
    const approvers = this.deps.config.roles.get(record.role)?.approvals?.approvers as { users?: string[]; groups?: string[] } | undefined;
    return !!approvers && identityInScope(identity, { users: approvers.users ?? [], groups: approvers.groups ?? [] });
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
    }
    if (calls.includes('lease.revoke') && (request.status === 'active' || request.status === 'granting')) {
      const reason = state.lease?.revoked_reason ?? 'revoked';
      await tx.requests.update(instanceId, { status: 'revoking', updated_at: toIso(now) });
      await tx.audit.append({ actor: 'lease', action: 'lease.revoking', subject: instanceId, data: { provider: request.provider, reason } });
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
      const denied = error?.type === `${LEASE_ERROR_BASE}denied` || error?.status === 403;
      status = denied ? 'denied' : 'failed';
      outcome = { code: error?.title ?? (denied ? 'denied' : 'workflow_failed'), message: error?.detail ?? error?.title ?? 'the workflow failed' };
    } else {
      status = 'denied';
      outcome = { code: 'not_granted', message: 'the workflow ended without granting access' };
    }
    if (request.status === 'revoking') return; // the revoke call settles it
    await tx.requests.update(instanceId, { status, outcome, ended_at: now, updated_at: now });
    await tx.audit.append({ actor: 'lease', action: `request.${status}`, subject: instanceId, data: { code: outcome.code, message: outcome.message } });
  }

  private workflowFor(roleWorkflow: string | null, asked: string | undefined): { workflowId: string; document: WorkflowDocument } {
    const id = asked ?? roleWorkflow;
    if (asked !== undefined && asked !== roleWorkflow) {
      throw new PolicyDenied('workflow_not_allowed', `workflow "${asked}" is not allowed for this role`, 'workflow');
    }
    if (!id) return { workflowId: DEFAULT_WORKFLOW_ID, document: DEFAULT_WORKFLOW };
    const workflow = this.deps.config.workflows.get(id);
    if (!workflow) throw new NotFound('workflow_not_found', `workflow "${id}" is not configured`, 'workflow');
    if (!workflow.enabled) throw new PolicyDenied('workflow_disabled', `workflow "${id}" is disabled`, 'workflow');
    return { workflowId: id, document: workflow.workflow as WorkflowDocument };
  }

  private async visible(identity: Identity, id: string): Promise<RequestRecord> {
    const record = await this.deps.store.requests.get(id);
    // Someone else's request is reported as missing, so ids cannot be probed.
    if (!record || (identityKey(record.identity) !== identityKey(identity) && !this.deps.access.isAdmin(identity))) {
      throw new NotFound('request_not_found', `request ${id} does not exist`, 'id');
    }
    return record;
  }

  private requireRuntime(): WorkflowRuntime {
    if (!this.runtime) throw new Error('request service used before the runtime was attached');
    return this.runtime;
  }
}

/** Identities are the same person when identity provider and id match. */
function identityKey(identity: Identity): string {
  return `${identity.provider}/${identity.id}`;
}
