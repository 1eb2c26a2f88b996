// `call: lease.approvals` with `{count, timeout, from, on_timeout}`: not an activity but a wait
// for `com.lease.approval` events (`com.thand.approval` too) whose `data.approved` says yes or
// no. Each approver counts once; with `from`, only those approvers count. Any denial faults with
// https://lease.dev/errors/denied (403, approval_denied). `count` approvals (default 1) complete
// the task with `{approved: true, approvals}`. At `timeout`, the task goes to `on_timeout` (a
// sibling task) with `{approved: false, timed_out: true, approvals}`, or without one faults with
// a timeout error (408, approval_timeout).
// Thand's form is read too: `with.approvals` is the count, and the task's `on: {approved,
// denied}` names where the flow goes after the decision (a denial then goes there with
// `{approved: false, approvals, denied_by}` instead of faulting).
import { canonicalEventType } from '../../calls/names.js';
import { evaluate } from '../data.js';
import { ERROR_TYPES, WorkflowFault } from '../errors.js';
import { cloneJson, issue } from '../state.js';
import type { WorkflowEvent } from '../types.js';
import { APPROVAL_EVENT, drainInbox, type Offer } from './listen.js';
import type { Outcome, TaskContext, TaskHandler } from './task.js';
import { durationMs } from './wait.js';

interface ApprovalsSpec {
  count?: unknown;
  /** Thand's spelling of `count`. */
  approvals?: unknown;
  timeout?: unknown;
  from?: unknown;
  on_timeout?: unknown;
}

interface ApprovalsMemo {
  approvals: Array<Record<string, unknown>>;
}

export const approvalsTask: TaskHandler = {
  start: (t) => {
    const spec = specOf(t);
    if (spec.timeout !== undefined) {
      const ms = durationMs(spec.timeout);
      if (ms === undefined) throw new WorkflowFault({ type: ERROR_TYPES.validation, status: 400, title: 'Invalid approvals timeout', detail: JSON.stringify(spec.timeout), instance: t.ref.pointer });
      issue(t.run, { kind: 'timer', task: t.ref.pointer, at: t.run.now + ms });
    }
    const memo: ApprovalsMemo = { approvals: [] };
    let decided: Outcome | undefined;
    drainInbox(t.run, (event) => {
      const offer = decide(t, spec, memo, event);
      if (offer === 'ignored' || offer === 'consumed') return offer;
      decided = offer;
      return 'done';
    });
    return decided ?? { kind: 'suspended', memo };
  },
  event: (t, event) => {
    const memo = cloneJson(t.memo as ApprovalsMemo);
    const offer = decide(t, specOf(t), memo, event);
    if (offer === 'ignored') return undefined;
    return offer === 'consumed' ? { kind: 'suspended', memo } : offer;
  },
  resume: (t, _command, resume) => {
    if (resume.kind !== 'timer.fired') return { kind: 'suspended', memo: t.memo };
    const spec = specOf(t);
    const memo = t.memo as ApprovalsMemo;
    if (typeof spec.on_timeout === 'string') {
      return { kind: 'done', output: { approved: false, timed_out: true, approvals: memo.approvals }, then: spec.on_timeout };
    }
    throw new WorkflowFault({ type: ERROR_TYPES.timeout, status: 408, title: 'approval_timeout', detail: `${memo.approvals.length} approval(s) received before the timeout`, instance: t.ref.pointer });
  },
};

/** The evaluated `with` of the task (count, from may be expressions). */
function specOf(t: TaskContext): ApprovalsSpec {
  const spec = evaluate(t.run, t.ref.task.with ?? {}, t.input, t.vars, t.ref.pointer);
  return spec !== null && typeof spec === 'object' ? (spec as ApprovalsSpec) : {};
}

/** What one event does: nothing, one more approval, or the decision (approved, or denied to `on.denied`). */
function decide(t: TaskContext, spec: ApprovalsSpec, memo: ApprovalsMemo, event: WorkflowEvent): Exclude<Offer, 'done'> | Outcome {
  if (canonicalEventType(String(event.type)) !== APPROVAL_EVENT) return 'ignored';
  const data = (event.data !== null && typeof event.data === 'object' ? event.data : {}) as Record<string, unknown>;
  // Lease's approval of a requester on call (only Lease makes approval events) completes the wait whatever `count` and `from` say.
  if (data.approved === true && data.channel === 'on-call' && String(data.approver).startsWith('lease:on-call:')) return done(t, [...memo.approvals, cloneJson(data)]);
  const approver = approverOf(data);
  const allowed = allowedApprovers(spec.from);
  if (allowed && (approver === undefined || !allowed.includes(approver))) return 'ignored';
  if (approver !== undefined && memo.approvals.some((a) => approverOf(a) === approver)) return 'ignored';
  const on = onOf(t);
  if (data.approved !== true) {
    if (on.denied !== undefined) return { kind: 'done', output: { approved: false, approvals: memo.approvals, denied_by: approver ?? null }, then: on.denied };
    throw new WorkflowFault({
      type: ERROR_TYPES.denied,
      status: 403,
      title: 'approval_denied',
      detail: `denied${approver === undefined ? '' : ` by ${approver}`}${typeof data.reason === 'string' ? `: ${data.reason}` : ''}`,
      instance: t.ref.pointer,
    });
  }
  memo.approvals.push(cloneJson(data));
  const wanted = spec.count ?? spec.approvals;
  const count = typeof wanted === 'number' && wanted > 0 ? wanted : 1;
  if (memo.approvals.length < count) return 'consumed';
  return done(t, memo.approvals);
}

function done(t: TaskContext, approvals: Array<Record<string, unknown>>): Outcome {
  const on = onOf(t);
  return { kind: 'done', output: { approved: true, approvals }, ...(on.approved !== undefined ? { then: on.approved } : {}) };
}

/** Thand's `on: {approved, denied}` of the task (sibling task names; checked at load). */
function onOf(t: TaskContext): { approved?: string; denied?: string } {
  const on = (t.ref.task as { on?: unknown }).on;
  if (on === null || typeof on !== 'object') return {};
  const { approved, denied } = on as Record<string, unknown>;
  return { ...(typeof approved === 'string' ? { approved } : {}), ...(typeof denied === 'string' ? { denied } : {}) };
}

function approverOf(data: Record<string, unknown>): string | undefined {
  for (const key of ['approver', 'user', 'by', 'email'] as const) {
    const value = data[key];
    if (typeof value === 'string' && value !== '') return value;
    if (value !== null && typeof value === 'object' && typeof (value as { email?: unknown }).email === 'string') return (value as { email: string }).email;
  }
  return undefined;
}

function allowedApprovers(from: unknown): string[] | undefined {
  if (typeof from === 'string' && from !== '') return [from];
  if (Array.isArray(from)) return from.filter((f): f is string => typeof f === 'string');
  return undefined;
}
