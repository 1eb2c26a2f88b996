// The run loop: runs runnable threads until every one waits for an effect or the workflow's work
// is over. Flow directives (`then`): `continue` → next task; `exit` → leave the current list (its
// owner task then completes with the list's last output; a `for` stops); `end` → end the
// workflow; a name → jump to that sibling. A task whose `if` is false is skipped and its input
// passes through. A fault unwinds its thread to the nearest `try` that catches it; uncaught in a
// fork branch it faults the fork, uncaught in the main thread it ends the workflow (rule 4).
import { taskKind, isSupportedTaskKind } from '../dsl/task-kind.js';
import { condition, taskVariables, transformTaskInput, transformTaskOutput, transformWorkflowOutput } from './data.js';
import { ERROR_TYPES, WorkflowFault } from './errors.js';
import { conclude, LEASE_EXPIRY_ID, onAuthorized, onRevoked, revokeNow } from './lease.js';
import { indexOfTask, listAt, taskAt, type TaskRef } from './pointer.js';
import { cloneJson, isUnder, MAIN_THREAD, threadOf, topFrame, type Frame, type Run, type Thread } from './state.js';
import { TASK_HANDLERS, type Outcome, type TaskContext, type TaskHandler } from './tasks/index.js';
import { armTimeout, timeoutFault } from './tasks/timeout.js';
import { catchDecision, applyCatch } from './tasks/try.js';
import { nextIteration } from './tasks/for.js';
import type { Command, Resume, WorkflowError, WorkflowEvent } from './types.js';

/** Runs while the state is `running`: offers emitted events to listeners, then steps a runnable thread. */
export function drive(run: Run): void {
  while (run.state.status === 'running') {
    const event = run.deliveries.shift();
    if (event) {
      deliverEvent(run, event);
      continue;
    }
    const id = nextRunnable(run);
    if (id === undefined) {
      run.state.status = 'waiting';
      return;
    }
    run.thread = id;
    guard(run, () => stepOnce(run));
  }
}

/** Runs `fn`; a WorkflowFault it throws unwinds the running thread (see handleFault). */
export function guard(run: Run, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof WorkflowFault)) throw err;
    handleFault(run, run.thread, err.error);
  }
}

function nextRunnable(run: Run): string | undefined {
  if (!run.state.current) return MAIN_THREAD;
  for (const [id, thread] of Object.entries(run.state.threads ?? {})) if (!thread.current) return id;
  return undefined;
}

/** Thread ids in a fixed order: main first, then branches in creation order. */
export function threadIds(run: Run): string[] {
  return [MAIN_THREAD, ...Object.keys(run.state.threads ?? {})];
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
    (topFrame(run) as Frame).index += 1;
    return;
  }
  armTimeout(run, ref);
  const t: TaskContext = { run, ref, input, vars };
  applyOutcome(t, handlerOf(ref).start(t));
}

/**
 * A command of a suspended task was resumed (and removed from pending). Lease rules 1 and 3
 * apply to lease.authorize / lease.revoke results before the task continues.
 */
export function resumeTask(run: Run, threadId: string, command: Command, resume: Resume): void {
  run.thread = threadId;
  const thread = threadOf(run);
  const current = thread?.current;
  const frame = topFrame(run);
  if (!thread || !current || !frame || current.task !== command.task) return;
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
    delete thread.current;
    const t: TaskContext = { run, ref, input: current.input, vars: taskVariables(run, ref, current.input), memo: current.memo };
    const handler = handlerOf(ref);
    applyOutcome(t, handler.resume ? handler.resume(t, command, resume) : { kind: 'suspended', memo: current.memo });
  });
}

/** The thread whose suspended task issued `command`, if it still waits. */
export function threadWaitingOn(run: Run, command: Command): string | undefined {
  return threadIds(run).find((id) => threadOf(run, id)?.current?.task === command.task);
}

/**
 * Offers an event to every waiting task that listens (in thread order). Returns true when at
 * least one consumed it.
 */
export function deliverEvent(run: Run, event: WorkflowEvent): boolean {
  let consumed = false;
  for (const id of threadIds(run)) {
    if (run.state.status !== 'running' && run.state.status !== 'waiting') break;
    const thread = threadOf(run, id);
    const current = thread?.current;
    const frame = thread?.frames[thread.frames.length - 1];
    if (!thread || !current || !frame) continue;
    const ref = taskAt(run.doc, frame.list, frame.index);
    const handler = handlerOf(ref);
    if (!handler.event || current.task !== ref.pointer) continue;
    run.thread = id;
    guard(run, () => {
      const t: TaskContext = { run, ref, input: current.input, vars: taskVariables(run, ref, current.input), memo: current.memo };
      let outcome: Outcome | undefined;
      try {
        outcome = handler.event?.(t, event);
      } catch (err) {
        // The event made the task fault (a denial): it was consumed.
        consumed = true;
        throw err;
      }
      if (!outcome) return;
      consumed = true;
      run.state.status = 'running';
      delete thread.current;
      applyOutcome(t, outcome);
    });
  }
  return consumed;
}

function applyOutcome(t: TaskContext, outcome: Outcome): void {
  const { run, ref, input } = t;
  const thread = threadOf(run) as Thread;
  switch (outcome.kind) {
    case 'done':
      finishTask(run, ref, input, outcome.output, outcome.then);
      return;
    case 'suspended':
      thread.current = { task: ref.pointer, input: cloneJson(input), ...(outcome.memo === undefined ? {} : { memo: cloneJson(outcome.memo) }) };
      return;
    case 'enter':
      thread.frames.push({ list: outcome.list, index: 0, data: input, input, ...outcome.frame });
      return;
    case 'abandoned':
      return;
  }
}

export function finishTask(run: Run, ref: TaskRef, input: unknown, raw: unknown, then: string | undefined): void {
  dropCommandsOf(run, ref.pointer, false);
  const output = transformTaskOutput(run, ref, input, raw);
  const frame = topFrame(run);
  if (!frame) return;
  frame.data = output;
  const directive = then ?? (typeof ref.task.then === 'string' ? ref.task.then : 'continue');
  const length = listAt(run.doc, frame.list).length;
  switch (directive) {
    case 'continue':
      frame.index = frame.single ? length : frame.index + 1;
      return;
    case 'exit':
      frame.index = length;
      frame.exited = true;
      return;
    case 'end':
      endWorkflow(run, output);
      return;
    default: {
      const target = indexOfTask(listAt(run.doc, frame.list), directive);
      if (target === -1) {
        throw new WorkflowFault({ type: ERROR_TYPES.runtime, status: 400, title: `then: no task named "${directive}"`, instance: ref.pointer });
      }
      frame.index = frame.single ? length : target;
    }
  }
}

/** A list ran out: a `for` iterates again, else its owner completes with the list's last output. */
function completeList(run: Run): void {
  const thread = threadOf(run) as Thread;
  const done = thread.frames.pop() as Frame;
  const owner = topFrame(run);
  if (!owner) {
    if (run.thread === MAIN_THREAD) endWorkflow(run, done.data);
    else branchDone(run, run.thread, done.data);
    return;
  }
  const ref = taskAt(run.doc, owner.list, owner.index);
  if (done.loop && !done.exited) {
    thread.frames.push(done);
    if (nextIteration(run, ref, done)) return;
    thread.frames.pop();
  }
  finishTask(run, ref, done.input, done.data, undefined);
}

/** A fork branch finished: the fork completes when all have (or the first, with `compete`). */
function branchDone(run: Run, id: string, output: unknown): void {
  const branch = run.state.threads?.[id];
  if (!branch?.parent) return;
  delete run.state.threads?.[id];
  const parentId = branch.parent.thread;
  const parent = threadOf(run, parentId);
  const current = parent?.current;
  if (!parent || !current) return;
  const memo = current.memo as { outputs: unknown[]; left: number; compete: boolean };
  memo.outputs[branch.parent.branch] = cloneJson(output);
  memo.left -= 1;
  if (!memo.compete && memo.left > 0) return;
  abandonNested(run, current.task);
  delete parent.current;
  run.thread = parentId;
  const frame = topFrame(run) as Frame;
  finishTask(run, taskAt(run.doc, frame.list, frame.index), current.input, memo.compete ? output : memo.outputs, undefined);
}

/**
 * Unwinds thread `threadId` from its running task to the nearest enclosing `try` that catches
 * `error`. Uncaught in a branch, the branch's fork faults in its parent thread; uncaught in the
 * main thread, the workflow faults.
 */
export function handleFault(run: Run, threadId: string, error: WorkflowError): void {
  let id = threadId;
  try {
    for (;;) {
      const thread = threadOf(run, id);
      if (!thread || thread.frames.length === 0 || run.state.status === 'completed' || run.state.status === 'faulted' || run.state.status === 'cancelled') {
        conclude(run, { status: 'faulted', error });
        return;
      }
      delete thread.current;
      for (let k = thread.frames.length - 2; k >= 0; k--) {
        const body = thread.frames[k + 1] as Frame;
        const holder = thread.frames[k] as Frame;
        if (body.role !== 'try') continue;
        const owner = taskAt(run.doc, holder.list, holder.index);
        run.thread = id;
        const decision = catchDecision(run, owner, body, error);
        if (!decision) continue;
        thread.frames.length = k + 1;
        abandonNested(run, owner.pointer);
        run.state.status = 'running';
        guard(run, () => applyCatch(run, owner, body, error, decision));
        return;
      }
      if (id === MAIN_THREAD || !thread.parent) {
        conclude(run, { status: 'faulted', error });
        return;
      }
      const parentId: string = thread.parent.thread;
      const fork = threadOf(run, parentId)?.current?.task;
      if (fork !== undefined) abandonNested(run, fork);
      delete run.state.threads?.[id];
      id = parentId;
    }
  } catch (err) {
    if (!(err instanceof WorkflowFault)) throw err;
    // A catch filter that itself fails (a broken `when`) ends the workflow with that failure.
    conclude(run, { status: 'faulted', error: err.error });
  }
}

/** A task timeout fired: the task (and whatever it runs) is abandoned and faults with a timeout error. */
export function onTimeout(run: Run, timerId: string): void {
  const armed = run.state.timeouts?.[timerId];
  if (!armed) return;
  delete run.state.timeouts?.[timerId];
  if (armed.task === '/') {
    run.thread = MAIN_THREAD;
    run.state.status = 'running';
    guard(run, () => {
      throw timeoutFault('/', run.doc.timeout, run.doc);
    });
    return;
  }
  const thread = threadOf(run, armed.thread);
  if (!thread) return;
  const depth = thread.frames.findIndex((f) => {
    const entry = listAt(run.doc, f.list)[f.index];
    const name = entry ? Object.keys(entry)[0] : undefined;
    return name !== undefined && `${f.list}/${f.index}/${escape(name)}` === armed.task;
  });
  if (depth === -1) return;
  thread.frames.length = depth + 1;
  delete thread.current;
  abandonNested(run, armed.task);
  dropCommandsOf(run, armed.task, false);
  run.thread = armed.thread;
  run.state.status = 'running';
  const frame = thread.frames[depth] as Frame;
  guard(run, () => {
    throw timeoutFault(armed.task, taskAt(run.doc, frame.list, frame.index).task.timeout, run.doc);
  });
}

function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Abandons everything running under task `pointer` (not the task's own commands): pending
 * commands of nested tasks, their timeouts, and fork branches. A lease.revoke under way and the
 * lease expiry are never abandoned (rule 2).
 */
export function abandonNested(run: Run, pointer: string): void {
  dropCommands(run, (c) => c.task !== pointer && isUnder(c.task, pointer));
  for (const [id, thread] of Object.entries(run.state.threads ?? {})) {
    if (isUnder(thread.frames[0]?.list ?? '', pointer)) delete run.state.threads?.[id];
  }
}

/** Drops the pending commands of task `pointer` itself (its timeout too unless `keepTimeout`). */
export function dropCommandsOf(run: Run, pointer: string, keepTimeout: boolean): void {
  dropCommands(run, (c) => c.task === pointer && !(keepTimeout && run.state.timeouts?.[c.id]));
}

function dropCommands(run: Run, drop: (c: Command) => boolean): void {
  const state = run.state;
  state.pending = state.pending.filter((c) => {
    const gone = drop(c) && c.id !== LEASE_EXPIRY_ID && !(c.kind === 'call' && c.name === 'lease.revoke');
    if (gone) delete state.timeouts?.[c.id];
    return !gone;
  });
}

function endWorkflow(run: Run, last: unknown): void {
  run.state.frames = [];
  run.state.output = transformWorkflowOutput(run, last);
  conclude(run, { status: 'completed' });
}

export function handlerOf(ref: TaskRef): TaskHandler {
  const kind = taskKind(ref.task);
  if (kind === undefined || !isSupportedTaskKind(kind)) {
    throw new WorkflowFault({ type: ERROR_TYPES.validation, status: 400, title: `task kind "${kind ?? 'unknown'}" is not supported`, instance: ref.pointer });
  }
  return TASK_HANDLERS[kind];
}
