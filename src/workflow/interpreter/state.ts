// The interpreter's private part of WorkflowState. Everything here is plain JSON: the runtime
// checkpoints it after every step and hands it back after a restart.
//
// Work runs in threads. The main thread's frames and suspension live on the state itself
// (`frames`, `current`); each `fork` branch is a child thread in `threads`, keyed by an id from
// the state's counter. A thread is runnable when it is not suspended.
import { isThandDialect } from './dialect.js';
import type { Command, ExpressionEngine, InterpreterEnv, SchemaValidator, WorkflowDocument, WorkflowError, WorkflowEvent, WorkflowState } from './types.js';

/** One task list being run: the workflow's `do` or a nested list. */
export interface Frame {
  /** JSON pointer of the list, e.g. `/do` or `/do/1/checks/do`. */
  list: string;
  /** Index of the task being run, or of the next one. */
  index: number;
  /** Output of the last finished task of this list; the raw input of the next one. */
  data: unknown;
  /** The list's own input (the owning task's transformed input). */
  input: unknown;
  /** Variables this list adds for its tasks (a `for` item and index, a catch's error). */
  vars?: Record<string, unknown>;
  /** What the list is for its owner: a `try` body, a `catch.do`, a fork branch. */
  role?: 'try' | 'catch' | 'branch';
  /** `try` body: the attempt number (1 first) and when the first attempt started. */
  attempt?: number;
  first_attempt_at?: number;
  /** `for` body: the items and the position of the current iteration. */
  loop?: { items: unknown[]; position: number };
  /** A fork branch runs only the task at `index`. */
  single?: boolean;
  /** `then: exit` was taken: a `for` loop stops instead of iterating again. */
  exited?: boolean;
}

/** A task waiting for commands, events or child threads; `memo` is the task kind's own bookkeeping. */
export interface Suspension {
  task: string;
  input: unknown;
  memo?: unknown;
}

export interface Thread {
  frames: Frame[];
  current?: Suspension;
  /** A fork branch: the thread whose fork task waits for it, and the branch's position. */
  parent?: { thread: string; branch: number };
}

export const MAIN_THREAD = 'main';

export interface InterpreterState extends WorkflowState {
  /** Raw workflow input (`$workflow.input`). */
  input: unknown;
  /** `$context`, replaced by `export.as`. */
  context: unknown;
  /** Thand's dialect only (dialect.ts): the workflow's transformed input, its `$input` everywhere. */
  workflow_input?: unknown;
  started_at: number;
  /** Counter behind command and thread ids (`c1`, `t2`, `b3`...). */
  seq: number;
  /** The main thread's task lists, outermost first; empty once the workflow's own work is over. */
  frames: Frame[];
  /** The main thread's task waiting for one of the pending commands. */
  current?: Suspension;
  /** Fork branches being run. */
  threads?: Record<string, Thread>;
  /** Task timeouts armed: timer id → the thread and task pointer it guards. */
  timeouts?: Record<string, { thread: string; task: string }>;
  /** Events received before a listen wanted them (only types some listen of the document can consume). */
  inbox?: WorkflowEvent[];
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
  schemas: SchemaValidator;
  issued: Command[];
  /** The thread being stepped. */
  thread: string;
  /** Events emitted by this step, in order. */
  emitted: WorkflowEvent[];
  /** Emitted events still to be offered to this workflow's own listeners. */
  deliveries: WorkflowEvent[];
  /** The document is in Thand's dialect (dialect.ts). */
  thand: boolean;
}

export function beginRun(doc: WorkflowDocument, state: InterpreterState, env: InterpreterEnv): Run {
  return { doc, state: cloneJson(state), now: env.now, engine: env.expressions, schemas: env.schemas, issued: [], thread: MAIN_THREAD, emitted: [], deliveries: [], thand: isThandDialect(doc) };
}

/** Copies a JSON value; `undefined` becomes null so the state always survives JSON.stringify unchanged. */
export function cloneJson<T>(value: T): T {
  return value === undefined ? (null as T) : (JSON.parse(JSON.stringify(value)) as T);
}

/** The next id from the state's counter, so replaying a step gives the same ids. */
export function nextId(run: Run, prefix: string): string {
  run.state.seq += 1;
  return `${prefix}${run.state.seq}`;
}

/** Issues a command: the id comes from the state's counter, so replaying a step gives the same ids. */
export function issue(run: Run, command: Omit<Extract<Command, { kind: 'call' }>, 'id'> | Omit<Extract<Command, { kind: 'timer' }>, 'id'>, id?: string): Command {
  const full = { ...command, id: id ?? nextId(run, command.kind === 'call' ? 'c' : 't') } as Command;
  run.state.pending.push(full);
  run.issued.push(full);
  return full;
}

export function threadOf(run: Run, id: string = run.thread): Thread | undefined {
  return id === MAIN_THREAD ? run.state : run.state.threads?.[id];
}

export function topFrame(run: Run): Frame | undefined {
  const frames = threadOf(run)?.frames ?? [];
  return frames[frames.length - 1];
}

/** Drops every thread's work (frames, suspensions, branches, timeouts); pending commands are the caller's business. */
export function dropWork(state: InterpreterState): void {
  state.frames = [];
  delete state.current;
  delete state.threads;
  delete state.timeouts;
}

/** True when `pointer` is `prefix` or a task nested under it. */
export function isUnder(pointer: string, prefix: string): boolean {
  return pointer === prefix || pointer.startsWith(`${prefix}/`);
}
