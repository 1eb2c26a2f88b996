// The run loop: runs tasks until one waits for an effect or the workflow's work is over.
// Flow directives (`then`): `continue` → next task; `exit` → leave the current list (its owner
// task then completes with the list's last output); `end` → end the workflow; a name → jump to
// that sibling. A task whose `if` is false is skipped and its input passes through.
import { taskKind, isSupportedTaskKind } from '../dsl/index.js';
import { condition, taskVariables, transformTaskInput, transformTaskOutput, transformWorkflowOutput } from './data.js';
import { ERROR_TYPES, WorkflowFault } from './errors.js';
import { conclude, onAuthorized, onRevoked, revokeNow } from './lease.js';
import { indexOfTask, listAt, taskAt, type TaskRef } from './pointer.js';
import { cloneJson, topFrame, type Run } from './state.js';
import { TASK_HANDLERS, type Outcome, type TaskContext, type TaskHandler } from './tasks/index.js';
import type { Command, Resume } from './types.js';

/** Runs while the state is `running`; a fault ends the workflow's work (lease rule 4 applies). */
export function drive(run: Run): void {
  while (run.state.status === 'running') {
    guard(run, () => stepOnce(run));
  }
}

/** Runs `fn`; a WorkflowFault it throws concludes the workflow as faulted. */
export function guard(run: Run, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof WorkflowFault)) throw err;
    conclude(run, { status: 'faulted', error: err.error });
  }
}

function stepOnce(run: Run): void {
  const frame = topFrame(run);
  if (!frame) {
    endWorkflow(run, run.state.output ?? null);
    return;
  }
  if (frame.index >= listAt(run.doc, frame.list).length) {
    completeList(run);
    return;
  }
  startTask(run, taskAt(run.doc, frame.list, frame.index), frame.data);
}

function startTask(run: Run, ref: TaskRef, raw: unknown): void {
  const input = transformTaskInput(run, ref, raw);
  const vars = taskVariables(run, ref, input);
  if (ref.task.if !== undefined && !condition(run, ref.task.if, input, vars, ref.pointer)) {
    (topFrame(run) as NonNullable<ReturnType<typeof topFrame>>).index += 1;
    return;
  }
  const t: TaskContext = { run, ref, input, vars };
  applyOutcome(t, handlerOf(ref).start(t));
}

/**
 * A command of the current task was resumed (and removed from pending). Lease rules 1 and 3
 * apply to lease.authorize / lease.revoke results before the task continues.
 */
export function resumeTask(run: Run, command: Command, resume: Resume): void {
  const current = run.state.current;
  const frame = topFrame(run);
  if (!current || !frame || current.task !== command.task) return;
  const ref = taskAt(run.doc, frame.list, frame.index);
  run.state.status = 'running';
  guard(run, () => {
    if (command.kind === 'call' && resume.kind === 'call.completed') {
      if (command.name === 'lease.authorize') {
        onAuthorized(run, resume.result, command.args);
        const requested = run.state.revoke_requested;
        if (requested !== undefined) {
          delete run.state.revoke_requested;
          revokeNow(run, requested);
          return;
        }
      }
      if (command.name === 'lease.revoke') onRevoked(run);
    }
    delete run.state.current;
    const t: TaskContext = { run, ref, input: current.input, vars: taskVariables(run, ref, current.input) };
    const handler = handlerOf(ref);
    applyOutcome(t, handler.resume ? handler.resume(t, command, resume) : { kind: 'suspended' });
  });
}

function applyOutcome(t: TaskContext, outcome: Outcome): void {
  const { run, ref, input } = t;
  switch (outcome.kind) {
    case 'done':
      finishTask(run, ref, input, outcome.output, outcome.then);
      return;
    case 'suspended':
      run.state.current = { task: ref.pointer, input: cloneJson(input) };
      run.state.status = 'waiting';
      return;
    case 'enter':
      run.state.frames.push({ list: outcome.list, index: 0, data: input, input });
      return;
  }
}

function finishTask(run: Run, ref: TaskRef, input: unknown, raw: unknown, then: string | undefined): void {
  const output = transformTaskOutput(run, ref, input, raw);
  const frame = topFrame(run);
  if (!frame) return;
  frame.data = output;
  const directive = then ?? (typeof ref.task.then === 'string' ? ref.task.then : 'continue');
  switch (directive) {
    case 'continue':
      frame.index += 1;
      return;
    case 'exit':
      frame.index = listAt(run.doc, frame.list).length;
      return;
    case 'end':
      endWorkflow(run, output);
      return;
    default: {
      const target = indexOfTask(listAt(run.doc, frame.list), directive);
      if (target === -1) {
        throw new WorkflowFault({ type: ERROR_TYPES.runtime, status: 400, title: `then: no task named "${directive}"`, instance: ref.pointer });
      }
      frame.index = target;
    }
  }
}

/** A list ran out: its owner `do` task completes with the list's last output, or the workflow ends. */
function completeList(run: Run): void {
  const done = run.state.frames.pop();
  const owner = topFrame(run);
  if (!done) return;
  if (!owner) {
    endWorkflow(run, done.data);
    return;
  }
  finishTask(run, taskAt(run.doc, owner.list, owner.index), done.input, done.data, undefined);
}

function endWorkflow(run: Run, last: unknown): void {
  run.state.frames = [];
  run.state.output = transformWorkflowOutput(run, last);
  conclude(run, { status: 'completed' });
}

function handlerOf(ref: TaskRef): TaskHandler {
  const kind = taskKind(ref.task);
  if (kind === undefined || !isSupportedTaskKind(kind)) {
    throw new WorkflowFault({ type: ERROR_TYPES.validation, status: 400, title: `task kind "${kind ?? 'unknown'}" is not supported`, instance: ref.pointer });
  }
  return TASK_HANDLERS[kind];
}
