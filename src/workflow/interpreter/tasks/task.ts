// What a task kind implements. A task runs to an Outcome: done (with its raw output and an
// optional flow directive), suspended (it issued a command and waits for its resume), or enter
// (run a nested task list whose last output becomes the task's raw output).
import type { Variables } from '../data.js';
import type { TaskRef } from '../pointer.js';
import type { Run } from '../state.js';
import type { Command, Resume } from '../types.js';

export type Outcome =
  | { kind: 'done'; output: unknown; then?: string }
  | { kind: 'suspended' }
  | { kind: 'enter'; list: string };

export interface TaskContext {
  run: Run;
  ref: TaskRef;
  /** The transformed task input (`.` and `$input` of the task's expressions). */
  input: unknown;
  vars: Variables;
}

export interface TaskHandler {
  start(t: TaskContext): Outcome;
  /** A command this task issued was resumed (already removed from pending). */
  resume?(t: TaskContext, command: Command, resume: Resume): Outcome;
}
