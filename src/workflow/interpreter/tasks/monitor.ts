// `call: lease.monitor` with `{threshold, timeout}`: not an activity but a wait for alert events
// (`com.lease.alert`, `com.lease.alert.event`, `com.lease.monitor.event`; `com.thand.*` too).
// An alert whose `data.severity` (or `score`) reaches `threshold` (any alert without one) revokes
// the lease early (rule 2, reason `alert: <data.reason or type>`); with no active lease the task
// completes with `{alert}`. At `timeout` it completes with `{alert: null}`. Without an alert the
// lease's expiry abandons it and revocation runs as usual.
import { ALERT_EVENTS, canonicalEventType } from '../../calls/names.js';
import { evaluate } from '../data.js';
import { ERROR_TYPES, WorkflowFault } from '../errors.js';
import { revokeNow } from '../lease.js';
import { issue } from '../state.js';
import type { WorkflowEvent } from '../types.js';
import { drainInbox } from './listen.js';
import type { Outcome, TaskContext, TaskHandler } from './task.js';
import { durationMs } from './wait.js';

export const monitorTask: TaskHandler = {
  start: (t) => {
    const spec = specOf(t);
    if (spec.timeout !== undefined) {
      const ms = durationMs(spec.timeout);
      if (ms === undefined) throw new WorkflowFault({ type: ERROR_TYPES.validation, status: 400, title: 'Invalid monitor timeout', detail: JSON.stringify(spec.timeout), instance: t.ref.pointer });
      issue(t.run, { kind: 'timer', task: t.ref.pointer, at: t.run.now + ms });
    }
    let alert: WorkflowEvent | undefined;
    drainInbox(t.run, (event) => {
      if (!isAlert(spec, event)) return 'ignored';
      alert = event;
      return 'done';
    });
    return alert ? onAlert(t, alert) : { kind: 'suspended' };
  },
  event: (t, event) => (isAlert(specOf(t), event) ? onAlert(t, event) : undefined),
  resume: (_t, _command, resume) => (resume.kind === 'timer.fired' ? { kind: 'done', output: { alert: null } } : { kind: 'suspended' }),
};

function onAlert(t: TaskContext, event: WorkflowEvent): Outcome {
  const data = (event.data ?? null) as { reason?: unknown } | null;
  if (t.run.state.lease?.active) {
    revokeNow(t.run, `alert: ${typeof data?.reason === 'string' ? data.reason : String(event.type)}`);
    return { kind: 'abandoned' };
  }
  return { kind: 'done', output: { alert: event.data ?? null } };
}

function specOf(t: TaskContext): { threshold?: unknown; timeout?: unknown } {
  const spec = evaluate(t.run, t.ref.task.with ?? {}, t.input, t.vars, t.ref.pointer);
  return spec !== null && typeof spec === 'object' ? spec : {};
}

function isAlert(spec: { threshold?: unknown }, event: WorkflowEvent): boolean {
  if (!(ALERT_EVENTS as readonly string[]).includes(canonicalEventType(String(event.type)))) return false;
  if (typeof spec.threshold !== 'number') return true;
  const data = (event.data ?? {}) as { severity?: unknown; score?: unknown };
  const level = typeof data.severity === 'number' ? data.severity : typeof data.score === 'number' ? data.score : undefined;
  return level === undefined || level >= spec.threshold;
}
