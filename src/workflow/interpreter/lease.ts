// Revocation is a promise. While a lease granted by lease.authorize is active the workflow
// owns its revocation:
//  1. authorize completes → the lease is active and a `lease-expiry` timer is armed at expires_at.
//  2. expiry, or a revoke event, while active → pending work is abandoned, the reason recorded,
//     and the `revocation` task runs (or an implicit lease.revoke, after which the workflow ends).
//  3. lease.revoke completes → the lease is inactive and the expiry timer is cancelled.
//  4. the workflow cannot end while the lease is active: it waits for expiry and revokes; a fault
//     revokes first, then ends faulted with the original error.
//  5. a revoke event before any grant cancels the workflow; during authorize it is remembered and
//     honoured as soon as the grant completes.
//  6. the request's own times, from the workflow input: `approval_deadline` arms a timer at start;
//     if it fires before lease.authorize was reached, the workflow ends faulted `approval_expired`
//     (nothing granted). `start_at`: lease.authorize is issued no earlier (call.ts waits for it).
//  7. an extend event (`com.lease.extend`, `{expires_at}`) while the lease is active moves the
//     expiry timer later and grants again with the new expiry (an implicit lease.authorize).
import { ERROR_TYPES, WorkflowFault } from './errors.js';
import { findTaskPath } from './pointer.js';
import { dropWork, issue, MAIN_THREAD, topFrame, type Run } from './state.js';
import type { WorkflowError } from './types.js';

export const LEASE_EXPIRY_ID = 'lease-expiry';
export const LEASE_EXPIRY_TASK = '/lease/expiry';
export const IMPLICIT_REVOKE_TASK = '/lease/revoke';
export const APPROVAL_DEADLINE_ID = 'approval-deadline';
export const APPROVAL_DEADLINE_TASK = '/lease/approval-deadline';
export const EXTEND_TASK = '/lease/extend';

/** Rule 6: a time of the request (`approval_deadline`, `start_at`: ISO-8601) from the raw workflow input. */
export function requestTime(run: Run, key: 'approval_deadline' | 'start_at'): number | undefined {
  const input = run.state.input;
  const value = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[key] : undefined;
  const at = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(at) ? at : undefined;
}

/** Rule 6: arms the approval deadline at start, when the request has one. */
export function armApprovalDeadline(run: Run): void {
  const at = requestTime(run, 'approval_deadline');
  if (at !== undefined) issue(run, { kind: 'timer', task: APPROVAL_DEADLINE_TASK, at }, APPROVAL_DEADLINE_ID);
}

/** Rule 6: lease.authorize was reached in time; the deadline no longer applies. */
export function disarmApprovalDeadline(run: Run): void {
  run.state.pending = run.state.pending.filter((c) => c.id !== APPROVAL_DEADLINE_ID);
}

/** Rule 6: the deadline fired before lease.authorize was reached: end, nothing granted. */
export function onApprovalDeadline(run: Run): void {
  if (run.state.lease || run.state.pending.some((c) => c.kind === 'call' && c.name === 'lease.authorize')) return;
  endNow(run, 'faulted', {
    type: ERROR_TYPES.timeout,
    status: 408,
    title: 'approval_expired',
    detail: 'the request was not approved in time',
    instance: APPROVAL_DEADLINE_TASK,
  });
}

/**
 * Rule 7: an extension. Returns false when it changes nothing (no active lease, a revocation under
 * way, or an expiry that is not later), so the caller can leave the state untouched.
 */
export function onExtendEvent(run: Run, data: unknown): boolean {
  const lease = run.state.lease;
  const text = (data as { expires_at?: unknown } | null | undefined)?.expires_at;
  const at = typeof text === 'string' ? Date.parse(text) : NaN;
  if (!lease?.active || lease.revoked_reason !== undefined || revokeInProgress(run) || !(at > lease.expires_at)) return false;
  lease.expires_at = at;
  run.state.pending = run.state.pending.filter((c) => c.id !== LEASE_EXPIRY_ID);
  issue(run, { kind: 'timer', task: LEASE_EXPIRY_TASK, at }, LEASE_EXPIRY_ID);
  issue(run, { kind: 'call', task: EXTEND_TASK, name: 'lease.authorize', args: { expires_at: new Date(at).toISOString() } });
  return true;
}

/** Rule 1: a completed lease.authorize activates the lease and arms its expiry timer. */
export function onAuthorized(run: Run, result: unknown, args: unknown): void {
  // An extension request's authorize extends another request's lease: it grants nothing here.
  if ((result as { extended?: unknown } | null)?.extended === true) return;
  const expiresAt = typeof (result as { expires_at?: unknown })?.expires_at === 'string' ? Date.parse((result as { expires_at: string }).expires_at) : NaN;
  const revocation = (args as { revocation?: unknown } | null)?.revocation;
  const valid = Number.isFinite(expiresAt);
  run.state.lease = { active: true, expires_at: valid ? expiresAt : run.now, ...(typeof revocation === 'string' ? { revocation } : {}) };
  run.state.pending = run.state.pending.filter((c) => c.id !== LEASE_EXPIRY_ID);
  issue(run, { kind: 'timer', task: LEASE_EXPIRY_TASK, at: run.state.lease.expires_at }, LEASE_EXPIRY_ID);
  // A grant without an expiry cannot be trusted to end: fault, which revokes it (rule 4).
  if (!valid) {
    throw new WorkflowFault({
      type: ERROR_TYPES.runtime,
      status: 500,
      title: 'lease.authorize returned no valid expires_at',
      detail: JSON.stringify((result as { expires_at?: unknown })?.expires_at ?? null),
    });
  }
}

/** Rule 3: a completed lease.revoke ends the lease and cancels its expiry timer. */
export function onRevoked(run: Run): void {
  if (run.state.lease) run.state.lease.active = false;
  run.state.pending = run.state.pending.filter((c) => c.id !== LEASE_EXPIRY_ID);
}

export function revokeInProgress(run: Run): boolean {
  return run.state.pending.some((c) => c.kind === 'call' && c.name === 'lease.revoke');
}

function expiryArmed(run: Run): boolean {
  return run.state.pending.some((c) => c.id === LEASE_EXPIRY_ID);
}

/**
 * Rule 2: revoke now. Abandons pending work (not the expiry timer, not a revoke already under
 * way), then jumps to the `revocation` task or issues the implicit revoke. A second trigger while
 * a revocation is under way changes nothing.
 */
export function revokeNow(run: Run, reason: string): void {
  const lease = run.state.lease;
  if (!lease?.active || lease.revoked_reason !== undefined || revokeInProgress(run)) return;
  lease.revoked_reason = reason;
  const data = topFrame(run)?.data ?? run.state.output ?? null;
  run.state.pending = run.state.pending.filter((c) => c.id === LEASE_EXPIRY_ID);
  dropWork(run.state);
  run.thread = MAIN_THREAD;
  const path = lease.revocation === undefined ? undefined : findTaskPath(run.doc, lease.revocation);
  if (path) {
    run.state.frames = path.map(({ list, index }) => ({ list, index, data, input: data }));
    run.state.status = 'running';
    return;
  }
  if (run.state.output === undefined) run.state.output = data;
  issueImplicitRevoke(run, reason);
  run.state.ending ??= { status: 'completed' };
  run.state.status = 'waiting';
}

/**
 * Rule 4: the workflow's own work is over (completed or faulted). With no active lease it ends
 * now; otherwise it waits for the lease's expiry, or revokes first when the lease already expired,
 * was asked to be revoked, or the workflow faulted.
 */
export function conclude(run: Run, outcome: { status: 'completed' } | { status: 'faulted'; error: WorkflowError }): void {
  const state = run.state;
  dropWork(state);
  delete state.inbox;
  delete state.revoke_requested;
  const lease = state.lease;
  if (!lease?.active) {
    endNow(run, outcome.status, outcome.status === 'faulted' ? outcome.error : state.ending?.error);
    return;
  }
  state.pending = state.pending.filter((c) => c.id === LEASE_EXPIRY_ID || (c.kind === 'call' && c.name === 'lease.revoke'));
  if (outcome.status === 'faulted') state.ending = { status: 'faulted', error: outcome.error };
  if (revokeInProgress(run)) {
    state.ending ??= { status: 'completed' };
  } else if (outcome.status === 'completed' && lease.revoked_reason === undefined && expiryArmed(run)) {
    // Ended early: hold the lease until it expires, then revoke (no `ending` needed).
  } else {
    lease.revoked_reason ??= outcome.status === 'faulted' ? 'faulted' : 'expired';
    issueImplicitRevoke(run, lease.revoked_reason);
    state.ending ??= { status: 'completed' };
  }
  state.status = 'waiting';
}

/** The implicit lease.revoke finished: rule 3, then end as decided when it was issued. */
export function onImplicitRevokeCompleted(run: Run): void {
  onRevoked(run);
  const ending = run.state.ending ?? { status: 'completed' as const };
  endNow(run, ending.status, ending.error);
}

/** The implicit lease.revoke failed: the lease stays active (for the reconciler) and the workflow faults. */
export function onImplicitRevokeFailed(run: Run, error: WorkflowError): void {
  endNow(run, 'faulted', { ...error, instance: IMPLICIT_REVOKE_TASK });
}

/**
 * Rules 2 and 5 for a revoke event. Returns false when the event changes nothing (the lease
 * already ended or is being revoked), so the caller can leave the state untouched.
 */
export function onRevokeEvent(run: Run, reason: string): boolean {
  const lease = run.state.lease;
  if (lease) {
    if (!lease.active || lease.revoked_reason !== undefined || revokeInProgress(run)) return false;
    revokeNow(run, reason);
    return true;
  }
  const authorizing = run.state.pending.some((c) => c.kind === 'call' && c.name === 'lease.authorize');
  if (authorizing) {
    if (run.state.revoke_requested !== undefined) return false;
    run.state.revoke_requested = reason;
    return true;
  }
  dropWork(run.state);
  delete run.state.inbox;
  run.state.pending = [];
  run.state.status = 'cancelled';
  run.state.cancelled_reason = reason;
  return true;
}

function issueImplicitRevoke(run: Run, reason: string): void {
  issue(run, { kind: 'call', task: IMPLICIT_REVOKE_TASK, name: 'lease.revoke', args: { reason } });
}

function endNow(run: Run, status: 'completed' | 'faulted', error: WorkflowError | undefined): void {
  const state = run.state;
  dropWork(state);
  delete state.inbox;
  state.pending = [];
  delete state.ending;
  delete state.revoke_requested;
  state.status = status;
  if (status === 'faulted' && error) state.error = error;
  if (state.output === undefined && status === 'completed') state.output = null;
}
