// Deterministic (workflow sandbox). The Temporal workflow of a request: the same pure
// interpreter as the embedded runtime, driven by Temporal. Calls are activities, timers are
// Temporal timers, events arrive as the `leaseEvent` signal, the state answers the `leaseState`
// query. Nothing here does I/O or reads a real clock: `Date.now()` is the workflow task's time.
import {
  ActivityFailure as TemporalActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  type ActivityOptions,
} from '@temporalio/workflow';
import { isBuiltinCall, canonicalCallName } from '../../calls/names.js';
import { resumeWorkflow, startWorkflow } from '../../interpreter/index.js';
import type { Command, InterpreterEnv, Resume, Step, WorkflowError, WorkflowEvent, WorkflowState } from '../../interpreter/types.js';
import { LEASE_ERROR_BASE, retryPolicyFor } from '../activities.js';
import {
  CALL_FAILURE_TYPE,
  CALL_HEARTBEAT_TIMEOUT_MS,
  CHECK_SCHEMA_ACTIVITY,
  EVALUATE_ACTIVITY,
  EVENT_SIGNAL,
  GENERIC_CALL_ACTIVITY,
  RECORD_STEP_ACTIVITY,
  STATE_QUERY,
  type CallArgs,
  type CheckSchemaArgs,
  type CheckSchemaResult,
  type EvaluateArgs,
  type EvaluateResult,
  type LeaseWorkflowArgs,
  type LeaseWorkflowResult,
  type RecordStepArgs,
} from './contract.js';
import { withRecordedValues } from './recorded-expressions.js';

export const leaseEvent = defineSignal<[WorkflowEvent]>(EVENT_SIGNAL);
export const leaseState = defineQuery<WorkflowState | null>(STATE_QUERY);

type CallActivity = (args: CallArgs) => Promise<unknown>;

/** The longest one try of a call may run (a hung target); a dead worker is noticed by heartbeat much sooner. */
const CALL_TIMEOUT = '2 minutes';

function callOptions(name: string): ActivityOptions {
  const policy = retryPolicyFor(name);
  return {
    startToCloseTimeout: CALL_TIMEOUT,
    heartbeatTimeout: CALL_HEARTBEAT_TIMEOUT_MS,
    retry: {
      initialInterval: policy.initialDelayMs,
      maximumInterval: policy.maxDelayMs,
      backoffCoefficient: 2,
      // Revocation is a promise: no limit. Business failures are non-retryable ApplicationFailures.
      ...(Number.isFinite(policy.maxAttempts) ? { maximumAttempts: policy.maxAttempts } : {}),
    },
  };
}

// One proxy per retry policy: revoke retries forever, the other calls give up.
const revokeCalls = proxyActivities<Record<string, CallActivity>>(callOptions('lease.revoke'));
const otherCalls = proxyActivities<Record<string, CallActivity>>(callOptions('lease.validate'));

/** Store writes must land eventually: retried until the store answers. */
const { [RECORD_STEP_ACTIVITY]: recordStep } = proxyActivities<{ [RECORD_STEP_ACTIVITY]: (args: RecordStepArgs) => Promise<void> }>({
  // One store transaction: a try that has not answered in 10 s ran on a worker that died.
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: 200, maximumInterval: 10_000, backoffCoefficient: 2 },
});

/** jq and schema checks, outside the sandbox; results are recorded in the history (local activity markers). */
const { [EVALUATE_ACTIVITY]: evaluate, [CHECK_SCHEMA_ACTIVITY]: checkSchema } = proxyLocalActivities<{
  [EVALUATE_ACTIVITY]: (args: EvaluateArgs) => Promise<EvaluateResult>;
  [CHECK_SCHEMA_ACTIVITY]: (args: CheckSchemaArgs) => Promise<CheckSchemaResult>;
}>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: 100, maximumInterval: 5_000, backoffCoefficient: 2 },
});

export async function leaseWorkflow(args: LeaseWorkflowArgs): Promise<LeaseWorkflowResult> {
  const { instanceId, document } = args;
  const trace = args.trace !== undefined ? { trace: args.trace } : {};
  // Everything that wakes the workflow, in arrival order: one interpreter step per entry.
  const inbox: Resume[] = [];
  const timers = new Map<string, CancellationScope>();
  let state: WorkflowState | null = null;
  let stepCount = 0;

  setHandler(leaseEvent, (event) => {
    inbox.push({ kind: 'event', event });
  });
  setHandler(leaseState, () => state);

  /** Runs one interpreter step with `now` fixed for the whole step, expressions recorded. */
  const interpret = (run: (env: InterpreterEnv) => Step): Promise<Step> => {
    const now = Date.now();
    return withRecordedValues((expressions, schemas) => run({ now, expressions, schemas }), { evaluate, checkSchema });
  };

  const dispatch = (command: Command): void => {
    if (command.kind === 'timer') {
      armTimer(command);
      return;
    }
    const proxy = canonicalCallName(command.name) === 'lease.revoke' ? revokeCalls : otherCalls;
    const type = isBuiltinCall(command.name) ? canonicalCallName(command.name) : GENERIC_CALL_ACTIVITY;
    const call = proxy[type] as CallActivity;
    call({ instanceId, name: command.name, args: command.args, task: command.task, commandId: command.id, ...trace }).then(
      (result) => inbox.push({ kind: 'call.completed', id: command.id, result: result ?? null }),
      (err: unknown) => inbox.push({ kind: 'call.failed', id: command.id, error: callError(err, command) }),
    );
  };

  const armTimer = (command: Extract<Command, { kind: 'timer' }>): void => {
    timers.get(command.id)?.cancel();
    const scope = new CancellationScope();
    timers.set(command.id, scope);
    // A timer already due fires at once (Temporal refuses zero-length timers, hence 1 ms).
    scope.run(() => sleep(Math.max(1, command.at - Date.now()))).then(
      () => {
        if (timers.get(command.id) === scope) timers.delete(command.id);
        inbox.push({ kind: 'timer.fired', id: command.id });
      },
      (err: unknown) => {
        if (!isCancellation(err)) throw err;
      },
    );
  };

  /** Timers the last step abandoned (revoked early, lease extended...) stop here. */
  const cancelAbandonedTimers = (pending: readonly Command[]): void => {
    const still = new Set(pending.filter((c) => c.kind === 'timer').map((c) => c.id));
    for (const [id, scope] of timers) {
      if (!still.has(id)) {
        scope.cancel();
        timers.delete(id);
      }
    }
  };

  /**
   * Calls run only once the step is recorded in the store (request status, audit), as the
   * embedded runtime dispatches only after its checkpoint commits: lease.authorize reads the
   * expiry fixed when `granting` was recorded. Timers are armed at once: a timer that fires
   * early is only queued, and an expiry armed in Temporal is kept even if the store is down.
   */
  const settle = async (step: Step, previous: WorkflowState | undefined, resume: Resume['kind'] | 'start'): Promise<WorkflowState> => {
    state = step.state;
    stepCount++;
    cancelAbandonedTimers(step.state.pending);
    for (const command of step.commands) if (command.kind === 'timer') dispatch(command);
    if (step.commands.length > 0 || !isOpen(step.state)) {
      await recordStep({ instanceId, step: stepCount, state: step.state, previous, commands: step.commands, resume, ...trace });
    }
    for (const command of step.commands) if (command.kind === 'call') dispatch(command);
    return step.state;
  };

  let current = await settle(await interpret((env) => startWorkflow(document, args.input, env)), undefined, 'start');
  while (isOpen(current)) {
    await condition(() => inbox.length > 0);
    const resume = inbox.shift()!;
    const previous = current;
    current = await settle(await interpret((env) => resumeWorkflow(document, previous, resume, env)), previous, resume.kind);
  }
  return { status: current.status, ...(current.error ? { error: current.error } : {}) };
}

function isOpen(state: WorkflowState): boolean {
  return state.status === 'running' || state.status === 'waiting';
}

/** A call's failure as the interpreter sees it: the activity's own WorkflowError, or `activity_failed` once retries ran out. */
function callError(err: unknown, command: Extract<Command, { kind: 'call' }>): WorkflowError {
  const cause = err instanceof TemporalActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type === CALL_FAILURE_TYPE && isWorkflowError(cause.details?.[0])) {
    const error = cause.details[0];
    return error.instance ? error : { ...error, instance: command.task };
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return {
    type: `${LEASE_ERROR_BASE}activity`,
    status: 502,
    title: 'activity_failed',
    detail: `${command.name} failed after its retries: ${message}`,
    instance: command.task,
  };
}

function isWorkflowError(value: unknown): value is WorkflowError {
  return typeof value === 'object' && value !== null && typeof (value as WorkflowError).type === 'string' && typeof (value as WorkflowError).status === 'number';
}
