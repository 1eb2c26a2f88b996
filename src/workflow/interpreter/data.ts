// Data flow (DSL 1.0 "Runtime expression arguments"): which variables each expression sees and
// how task input/output/context are transformed. Expression failures become faults of type
// `.../errors/expression`, status 400, with the task's pointer as instance.
import { ExpressionError } from '../expressions/errors.js';
import { evaluateCondition, evaluateValue } from '../expressions/runtime.js';
import { ERROR_TYPES, WorkflowFault } from './errors.js';
import type { TaskRef } from './pointer.js';
import { validateAgainstSchema } from './schema.js';
import { secretsVariable } from './secrets.js';
import { threadOf, type Run } from './state.js';

export type Variables = Record<string, unknown>;

/** `$workflow`: the document header, the raw input and the start time. */
export function workflowDescriptor(run: Run): unknown {
  const ms = run.state.started_at;
  return {
    definition: { document: run.doc.document },
    input: run.state.input,
    startedAt: { iso8601: new Date(ms).toISOString(), epoch: { seconds: Math.floor(ms / 1000), milliseconds: ms } },
  };
}

/** `$task`: the running task's name, pointer, definition and raw input. */
export function taskDescriptor(ref: TaskRef, rawInput: unknown): unknown {
  return { name: ref.name, reference: ref.pointer, definition: ref.task, input: rawInput };
}

/**
 * Variables of a task's own expressions (`if`, its definition, `output.as`): `$input` is its
 * transformed input (DSL 1.0), or in Thand's dialect the workflow's input (dialect.ts).
 */
export function taskVariables(run: Run, ref: TaskRef, input: unknown): Variables {
  return { ...scopeVariables(run), context: run.state.context, workflow: workflowDescriptor(run), task: taskDescriptor(ref, input), input: run.thand ? workflowInput(run) : input, runtime: RUNTIME, secrets: secretsVariable(run.doc) };
}

/** Thand's `$input`: the workflow's transformed input (a state saved before it was kept: the raw input). */
function workflowInput(run: Run): unknown {
  return run.state.workflow_input !== undefined ? run.state.workflow_input : run.state.input;
}

/** `$input` where DSL 1.0 has none yet (`input.from`, the workflow's `output.as`): only in Thand's dialect. */
function thandInput(run: Run): Variables {
  return run.thand ? { input: workflowInput(run) } : {};
}

/** Variables added by the enclosing lists of the running thread: `for` items and indexes, a catch's error. */
export function scopeVariables(run: Run): Variables {
  const vars: Variables = {};
  for (const frame of threadOf(run)?.frames ?? []) Object.assign(vars, frame.vars);
  return vars;
}

const RUNTIME = { name: 'lease' };

/** Evaluates `${ }` expressions in `value` (deeply); failures fault at `instance`. */
export function evaluate(run: Run, value: unknown, input: unknown, vars: Variables, instance: string): unknown {
  return asFault(instance, () => evaluateValue(value, input, vars, run.engine));
}

/** Evaluates an `if`/`when` condition (with or without `${ }`). */
export function condition(run: Run, value: unknown, input: unknown, vars: Variables, instance: string): boolean {
  return asFault(instance, () => evaluateCondition(value, input, vars, run.engine));
}

/** Task `input.from`: sees the raw input, `$context`, `$task`, `$workflow` (no `$input` yet, except in Thand's dialect). */
export function transformTaskInput(run: Run, ref: TaskRef, raw: unknown): unknown {
  validateAgainstSchema(run.schemas, fieldOf(ref.task.input, 'schema'), raw, ref.pointer, 'input');
  const from = fieldOf(ref.task.input, 'from');
  if (from === undefined) return raw;
  const vars = { ...scopeVariables(run), context: run.state.context, workflow: workflowDescriptor(run), task: taskDescriptor(ref, raw), runtime: RUNTIME, secrets: secretsVariable(run.doc), ...thandInput(run) };
  return evaluate(run, from, raw, vars, ref.pointer);
}

/** Task `output.as` (on the raw output) then `export.as` (on the transformed output → new `$context`). */
export function transformTaskOutput(run: Run, ref: TaskRef, input: unknown, raw: unknown): unknown {
  const vars = taskVariables(run, ref, input);
  const as = fieldOf(ref.task.output, 'as');
  const output = as === undefined ? raw : evaluate(run, as, raw, vars, ref.pointer);
  validateAgainstSchema(run.schemas, fieldOf(ref.task.output, 'schema'), output, ref.pointer, 'output');
  const exportAs = fieldOf(ref.task.export, 'as');
  if (exportAs !== undefined) {
    const context = evaluate(run, exportAs, output, { ...vars, output }, ref.pointer);
    validateAgainstSchema(run.schemas, fieldOf(ref.task.export, 'schema'), context, ref.pointer, 'context');
    run.state.context = context;
  }
  return output;
}

/** Workflow `input.from`: sees the raw input and `$workflow` only. */
export function transformWorkflowInput(run: Run, raw: unknown): unknown {
  validateAgainstSchema(run.schemas, fieldOf(run.doc.input, 'schema'), raw, '/input', 'input');
  const from = fieldOf(run.doc.input, 'from');
  if (from === undefined) return raw;
  return evaluate(run, from, raw, { workflow: workflowDescriptor(run), runtime: RUNTIME }, '/input/from');
}

/** Workflow `output.as`: on the last task's output, with `$context` and `$workflow` (and Thand's `$input`). */
export function transformWorkflowOutput(run: Run, last: unknown): unknown {
  const as = fieldOf(run.doc.output, 'as');
  const output = as === undefined ? last : evaluate(run, as, last, { context: run.state.context, workflow: workflowDescriptor(run), runtime: RUNTIME, secrets: secretsVariable(run.doc), ...thandInput(run) }, '/output/as');
  validateAgainstSchema(run.schemas, fieldOf(run.doc.output, 'schema'), output, '/output', 'output');
  return output;
}

export function fieldOf(holder: unknown, key: string): unknown {
  return holder !== null && typeof holder === 'object' ? (holder as Record<string, unknown>)[key] : undefined;
}

function asFault<T>(instance: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    throw new WorkflowFault({
      type: ERROR_TYPES.expression,
      status: 400,
      title: err.kind === 'compile' ? 'Expression does not compile' : 'Expression failed',
      detail: `${err.message} (in: ${err.expression})`,
      instance,
    });
  }
}
