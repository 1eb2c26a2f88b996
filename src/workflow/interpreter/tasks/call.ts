// `call` (and Thand's `thand: <name>` / `lease: <name>`): evaluates `with` deeply against the
// input and issues a call command; the activity's result is the task's raw output, its failure a
// fault at the task. `http` is issued as a call named `http` with the evaluated arguments.
// A name declared in `use.functions` runs that function: its `call`, with its `with` evaluated
// against the caller's evaluated arguments (or those arguments when it has no `with`).
// lease.approvals and lease.monitor are waits for events, run here rather than as activities.
import { canonicalCallName } from '../../calls/names.js';
import { callName } from '../../dsl/task-kind.js';
import { evaluate } from '../data.js';
import { ERROR_TYPES, WorkflowFault } from '../errors.js';
import { disarmApprovalDeadline, requestTime } from '../lease.js';
import { cloneJson, issue } from '../state.js';
import { approvalsTask } from './approvals.js';
import { monitorTask } from './monitor.js';
import type { TaskContext, TaskHandler } from './task.js';

const MAX_FUNCTION_DEPTH = 8;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const activityCall: TaskHandler = {
  start: ({ run, ref, input, vars }) => {
    let name = callName(ref.task) as string;
    let args = evaluate(run, ref.task.with ?? {}, input, vars, ref.pointer);
    const functions = (run.doc.use?.functions ?? {}) as Record<string, { call?: unknown; with?: unknown }>;
    for (let depth = 0; Object.hasOwn(functions, name); depth++) {
      const fn = functions[name] ?? {};
      if (depth >= MAX_FUNCTION_DEPTH || typeof fn.call !== 'string') {
        throw new WorkflowFault({ type: ERROR_TYPES.validation, status: 400, title: `function "${name}" does not resolve to a call`, instance: ref.pointer });
      }
      if (fn.with !== undefined) args = evaluate(run, fn.with, args, vars, ref.pointer);
      name = canonicalCallName(fn.call);
    }
    if (name === 'lease.authorize') {
      // Lease rule 6 (lease.ts): reaching the grant ends the approval deadline; a scheduled start
      // waits for its time first (a durable timer), then issues the call.
      disarmApprovalDeadline(run);
      const startAt = requestTime(run, 'start_at');
      if (startAt !== undefined && startAt > run.now) {
        issue(run, { kind: 'timer', task: ref.pointer, at: startAt });
        return { kind: 'suspended', memo: { scheduled: { name, args } } };
      }
    }
    issue(run, { kind: 'call', task: ref.pointer, name, args });
    return { kind: 'suspended' };
  },
  resume: ({ run, ref, input, memo }, _command, resume) => {
    const scheduled = (memo as { scheduled?: { name: string; args: unknown } } | undefined)?.scheduled;
    if (resume.kind === 'timer.fired' && scheduled) {
      issue(run, { kind: 'call', task: ref.pointer, name: scheduled.name, args: scheduled.args });
      return { kind: 'suspended' };
    }
    if (resume.kind === 'call.failed') throw new WorkflowFault(cloneJson({ ...resume.error, instance: ref.pointer }));
    if (resume.kind !== 'call.completed') return { kind: 'suspended' };
    const result = cloneJson(resume.result);
    // Thand's validate passes the request through (its messages read `.user.name` after it):
    // the request stays the task's output, the validation facts are added under `validation`.
    if (callName(ref.task) === 'lease.validate' && isPlainObject(input)) {
      return { kind: 'done', output: { ...cloneJson(input), validation: result } };
    }
    return { kind: 'done', output: result };
  },
};

const EVENT_CALLS: Record<string, TaskHandler> = {
  'lease.approvals': approvalsTask,
  'lease.monitor': monitorTask,
};

function handlerFor(t: TaskContext): TaskHandler {
  const name = callName(t.ref.task);
  if (name === undefined) {
    throw new WorkflowFault({ type: ERROR_TYPES.validation, status: 400, title: 'Call without a name', instance: t.ref.pointer });
  }
  return EVENT_CALLS[name] ?? activityCall;
}

export const callTask: TaskHandler = {
  start: (t) => handlerFor(t).start(t),
  resume: (t, command, resume) => {
    const handler = handlerFor(t);
    return handler.resume ? handler.resume(t, command, resume) : { kind: 'suspended', memo: t.memo };
  },
  event: (t, event) => handlerFor(t).event?.(t, event),
};
