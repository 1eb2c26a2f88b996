// The interpreter's private part of WorkflowState. Everything here is plain JSON: the runtime
// checkpoints it after every step and hands it back after a restart.
import type { Command, ExpressionEngine, InterpreterEnv, WorkflowDocument, WorkflowError, WorkflowState } from './types.js';

/** One task list being run: the workflow's `do` or a nested `do`. */
export interface Frame {
  /** JSON pointer of the list, e.g. `/do` or `/do/1/checks/do`. */
  list: string;
  /** Index of the task being run, or of the next one. */
  index: number;
  /** Output of the last finished task of this list; the raw input of the next one. */
  data: unknown;
  /** The list's own input (the owning `do` task's transformed input). */
  input: unknown;
}

export interface InterpreterState extends WorkflowState {
  /** Raw workflow input (`$workflow.input`). */
  input: unknown;
  /** `$context`, replaced by `export.as`. */
  context: unknown;
  started_at: number;
  /** Counter behind command ids (`c1`, `t2`, ...). */
  seq: number;
  /** Task lists being run, outermost first; empty once the workflow's own work is over. */
  frames: Frame[];
  /** The task waiting for one of the pending commands: its pointer and transformed input. */
  current?: { task: string; input: unknown };
  /** Reason of a revoke event that arrived while lease.authorize was pending. */
  revoke_requested?: string;
  /** How the workflow ends once the implicit lease.revoke completes. */
  ending?: { status: 'completed' | 'faulted'; error?: WorkflowError };
}

/** One step in progress: the state being changed and the commands it issued. */
export interface Run {
  doc: WorkflowDocument;
  state: InterpreterState;
  now: number;
  engine: ExpressionEngine;
  issued: Command[];
}

export function beginRun(doc: WorkflowDocument, state: InterpreterState, env: InterpreterEnv): Run {
  return { doc, state: cloneJson(state), now: env.now, engine: env.expressions, issued: [] };
}

/** Copies a JSON value; `undefined` becomes null so the state always survives JSON.stringify unchanged. */
export function cloneJson<T>(value: T): T {
  return value === undefined ? (null as T) : (JSON.parse(JSON.stringify(value)) as T);
}

/** Issues a command: the id comes from the state's counter, so replaying a step gives the same ids. */
export function issue(run: Run, command: Omit<Extract<Command, { kind: 'call' }>, 'id'> | Omit<Extract<Command, { kind: 'timer' }>, 'id'>, id?: string): Command {
  if (id === undefined) {
    run.state.seq += 1;
    id = `${command.kind === 'call' ? 'c' : 't'}${run.state.seq}`;
  }
  const full = { ...command, id } as Command;
  run.state.pending.push(full);
  run.issued.push(full);
  return full;
}

export function topFrame(run: Run): Frame | undefined {
  return run.state.frames[run.state.frames.length - 1];
}
