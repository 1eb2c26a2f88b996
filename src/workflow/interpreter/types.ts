// The interpreter's contract with its runtimes. The interpreter is deterministic and pure:
// given the document, its state and what just happened, it says what to do next. It reads no
// clock, no database and no network: `now` and expression evaluation are passed in, so the
// same code runs in the embedded runtime and inside a Temporal workflow.

/** A Serverless Workflow DSL 1.0 document, as parsed from YAML (validated by dsl/). */
export interface WorkflowDocument {
  document: { dsl: string; namespace: string; name: string; version: string; [key: string]: unknown };
  use?: Record<string, unknown>;
  input?: Record<string, unknown>;
  output?: Record<string, unknown>;
  do: Array<Record<string, Record<string, unknown>>>;
  [key: string]: unknown;
}

/** DSL error: https://serverlessworkflow.io/spec/1.0.0 error fields. */
export interface WorkflowError {
  type: string;
  status: number;
  title?: string;
  detail?: string;
  /** JSON pointer of the task that raised it, e.g. `/do/0/raiseError`. */
  instance?: string;
}

/** A CloudEvent as delivered to a running workflow. */
export interface WorkflowEvent {
  id?: string;
  type: string;
  source?: string;
  time?: string;
  specversion?: string;
  subject?: string;
  datacontenttype?: string;
  data?: unknown;
  [attribute: string]: unknown;
}

/** Evaluates jq runtime expressions. Synchronous, deterministic for the same arguments. */
export interface ExpressionEngine {
  /** Evaluates `expression` (the jq text without `${ }`) against `input` with `$name` variables. */
  evaluate(expression: string, input: unknown, variables: Record<string, unknown>): unknown;
  /**
   * Returns a message when `expression` does not compile, else undefined. `variables` names
   * variables bound besides the standard ones (a `for` item, a catch's error).
   */
  check(expression: string, variables?: readonly string[]): string | undefined;
}

export interface InterpreterEnv {
  /** Epoch ms of this step, supplied by the runtime (the interpreter never reads a clock). */
  now: number;
  expressions: ExpressionEngine;
  /** Validates data against `input/output/export.schema` (dsl/schema.ts `schemaProblems`, or a recorded one on Temporal). */
  schemas: SchemaValidator;
}

/**
 * Checks `value` against a DSL schema (`{format: json, document}` or a bare JSON Schema):
 * `problems` is null when it matches (or there is no schema), else the problems in one line
 * naming `what`; `ok: false` when the schema itself is unusable. Must be pure.
 */
export type SchemaValidator = (schema: unknown, value: unknown, what: string) => SchemaCheck;
export type SchemaCheck = { ok: true; problems: string | null } | { ok: false; message: string };

/** Effects the runtime must perform; each carries an id echoed back in the Resume. */
export type Command =
  /** Run an activity. `name` is canonical (`lease.authorize`; `thand.*` already mapped). */
  | { kind: 'call'; id: string; task: string; name: string; args: unknown }
  /** Wake the workflow at `at` (epoch ms) with { kind: 'timer.fired', id }. */
  | { kind: 'timer'; id: string; task: string; at: number };

/** What just happened, fed back to the interpreter. */
export type Resume =
  | { kind: 'call.completed'; id: string; result: unknown }
  | { kind: 'call.failed'; id: string; error: WorkflowError }
  | { kind: 'timer.fired'; id: string }
  | { kind: 'event'; event: WorkflowEvent };

export type WorkflowStatus = 'running' | 'waiting' | 'completed' | 'faulted' | 'cancelled';

/**
 * The interpreter's whole state: plain JSON, checkpointed by the runtime after every step.
 * Fields other than these are the interpreter's own business.
 */
export interface WorkflowState {
  version: 1;
  status: WorkflowStatus;
  /** Commands issued and not yet resumed. After a crash the runtime re-issues calls and re-arms timers from here. */
  pending: Command[];
  /** The lease granted by lease.authorize, while the workflow is responsible for revoking it. */
  lease?: { active: boolean; expires_at: number; revocation?: string; revoked_reason?: string };
  output?: unknown;
  error?: WorkflowError;
  [key: string]: unknown;
}

export interface Step {
  state: WorkflowState;
  /** Commands newly issued by this step (also present in state.pending). */
  commands: Command[];
  /** CloudEvents emitted by this step's `emit` tasks, in order, for the runtime to publish (optional). */
  emitted?: WorkflowEvent[];
}
