// What the Temporal workflow and its activities agree on: names and argument shapes. Plain
// types and constants only, so both sides of the determinism boundary may import it.
import type { Command, SchemaCheck, WorkflowDocument, WorkflowError, WorkflowEvent, WorkflowState, WorkflowStatus } from '../../interpreter/types.js';

export const DEFAULT_TASK_QUEUE = 'lease';
export const WORKFLOW_TYPE = 'leaseWorkflow';
export const EVENT_SIGNAL = 'leaseEvent';
export const STATE_QUERY = 'leaseState';

/** Activity type of calls that are not built-in `lease.*` calls (their handler decides). */
export const GENERIC_CALL_ACTIVITY = 'lease.call';
export const RECORD_STEP_ACTIVITY = 'lease.recordStep';
export const EVALUATE_ACTIVITY = 'lease.evaluate';
export const CHECK_SCHEMA_ACTIVITY = 'lease.checkSchema';

/** The workflow's one argument; the workflow id is `instanceId` (the request id). */
export interface LeaseWorkflowArgs {
  instanceId: string;
  document: WorkflowDocument;
  input: unknown;
  /** The starting API call's trace context (W3C traceparent), handed to every activity: its spans join that trace. */
  trace?: string;
}

export interface LeaseWorkflowResult {
  status: WorkflowStatus;
  error?: WorkflowError;
}

/** A `call` command as an activity's argument; `commandId` keys the call's idempotency. */
export interface CallArgs {
  instanceId: string;
  name: string;
  args: unknown;
  task: string;
  commandId: string;
  /** LeaseWorkflowArgs.trace. */
  trace?: string;
}

/** One interpreter step, for the store and the StepObserver (recordStep). */
export interface RecordStepArgs {
  instanceId: string;
  /** 1 for the start step; a recordStep whose step is not newer than the stored one is a replay and is skipped. */
  step: number;
  state: WorkflowState;
  previous: WorkflowState | undefined;
  commands: Command[];
  /** What woke the workflow for this step (start, event, timer.fired, call.completed...), for its span. */
  resume?: string;
  /** LeaseWorkflowArgs.trace. */
  trace?: string;
}

/** One jq evaluation, run outside the sandbox by a local activity (see README: Expressions). */
export interface EvaluateArgs {
  expression: string;
  input: unknown;
  variables: Record<string, unknown>;
}

export type EvaluateResult =
  | { ok: true; value: unknown }
  | { ok: false; kind: 'compile' | 'runtime'; message: string };

/** A schema check (`input/output/export.schema`), run outside the sandbox like jq and recorded. */
export interface CheckSchemaArgs {
  schema: unknown;
  value: unknown;
  what: string;
}

export type CheckSchemaResult = SchemaCheck;

export type LeaseSignalEvent = WorkflowEvent;

/** Failure type of an ApplicationFailure carrying a WorkflowError (a business failure, not retried). */
export const CALL_FAILURE_TYPE = 'LeaseCallFailure';

/** A call's heartbeat timeout: how long a dead worker can hold a call before Temporal retries it. */
export const CALL_HEARTBEAT_TIMEOUT_MS = 5_000;
/** How often a running call heartbeats (the SDK batches them to once per 80 % of the timeout). */
export const HEARTBEAT_INTERVAL_MS = 1_000;
