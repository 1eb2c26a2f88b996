// What a task kind implements. A task runs to an Outcome: done (with its raw output and an
// optional flow directive), suspended (it waits for its commands, events or branches, keeping
// `memo` as its bookkeeping), enter (run a nested task list whose last output becomes the task's
// raw output) or abandoned (it handed the workflow over, e.g. to revocation).
import type { Variables } from '../data.js';
import type { TaskRef } from '../pointer.js';
import type { Frame, Run } from '../state.js';
import type { Command, Resume, WorkflowEvent } from '../types.js';

export type Outcome =
  | { kind: 'done'; output: unknown; then?: string }
  | { kind: 'suspended'; memo?: unknown }
  | { kind: 'enter'; list: string; frame?: Partial<Frame> }
  | { kind: 'abandoned' };

export interface TaskContext {
  run: Run;
  ref: TaskRef;
  /** The transformed task input (`.` and `$input` of the task's expressions). */
  input: unknown;
  vars: Variables;
  /** The task's bookkeeping while suspended (from its last `suspended` outcome). */
  memo?: unknown;
}

export interface TaskHandler {
  start(t: TaskContext): Outcome;
  /** A command this task issued was resumed (already removed from pending). */
  resume?(t: TaskContext, command: Command, resume: Resume): Outcome;
  /** An event arrived while the task waits: an Outcome when the task consumes it, else undefined. */
  event?(t: TaskContext, event: WorkflowEvent): Outcome | undefined;
}
