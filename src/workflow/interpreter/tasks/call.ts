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
    issue(run, { kind: 'call', task: ref.pointer, name, args });
    return { kind: 'suspended' };
  },
  resume: ({ ref, input }, _command, resume) => {
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
