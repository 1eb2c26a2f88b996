// I/O side. The activities the Temporal workflow calls: the Lease calls (lease.validate,
// lease.authorize, ... through the same ActivityHandler the embedded runtime uses), recordStep
// (the step's store writes: instance row, request status, audit, through the StepObserver) and
// evaluate (jq, run as a local activity; see README.md, "Expressions").
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from '../../../core/index.js';
import type { Store } from '../../../store/index.js';
import { BUILTIN_CALLS } from '../../calls/names.js';
import { checkAgainstSchema } from '../../dsl/schema.js';
import { ExpressionError } from '../../expressions/errors.js';
import type { ExpressionEngine } from '../../interpreter/types.js';
import { ActivityFailure, revealCallSecrets, type ActivityHandler } from '../activities.js';
import type { StepObserver } from '../embedded/index.js';
import { stepAttributes, traceCall, traceStep } from '../trace.js';
import { CALL_FAILURE_TYPE, CHECK_SCHEMA_ACTIVITY, EVALUATE_ACTIVITY, HEARTBEAT_INTERVAL_MS, GENERIC_CALL_ACTIVITY, RECORD_STEP_ACTIVITY, type CallArgs, type CheckSchemaArgs, type EvaluateArgs, type EvaluateResult, type RecordStepArgs } from './contract.js';
import { instanceStatus, isTemporalCheckpoint, type TemporalCheckpoint } from './checkpoint.js';

export interface LeaseActivityDeps {
  store: Store;
  /** The calls; the same handler as the embedded runtime's (createBuiltinCalls). */
  calls: ActivityHandler;
  expressions: ExpressionEngine;
  logger: Logger;
  observer?: StepObserver;
  /**
   * Resolves `use.secrets` names (e.g. environmentSecret). Placeholders in a call's arguments are
   * replaced here, in the activity, so secret values never enter a workflow history.
   */
  secrets?: (name: string) => string | undefined;
}

type Activity = (args: never) => Promise<unknown>;

/** The worker's activity set, keyed by activity type. */
export function createLeaseActivities(deps: LeaseActivityDeps): Record<string, Activity> {
  const call = async (args: CallArgs): Promise<unknown> => {
    const context = Context.current();
    const { attempt } = context.info;
    // Heartbeats tell Temporal this worker is alive: when it dies mid-call, the attempt times
    // out after CALL_HEARTBEAT_TIMEOUT and is retried elsewhere, not after the 2 min start-to-close.
    const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_INTERVAL_MS);
    try {
      // commandId is stable across retries and worker crashes (it comes from the interpreter's
      // state in the workflow history), so (instanceId, commandId) keys the call's idempotency.
      const callContext = { instanceId: args.instanceId, task: args.task, commandId: args.commandId, attempt };
      return (await traceCall({ instanceId: args.instanceId, name: args.name, task: args.task, attempt }, args.trace, () => deps.calls(args.name, revealCallSecrets(args.args, deps.secrets), callContext))) ?? null;
    } catch (err) {
      if (err instanceof ActivityFailure) {
        throw ApplicationFailure.create({ type: CALL_FAILURE_TYPE, message: err.message, nonRetryable: true, details: [err.error] });
      }
      deps.logger.warn({ instance: args.instanceId, call: args.name, attempt, err: err instanceof Error ? err.message : String(err) }, 'activity failed; Temporal retries it');
      throw err;
    } finally {
      clearInterval(heartbeat);
    }
  };
  const activities: Record<string, Activity> = {
    [GENERIC_CALL_ACTIVITY]: call,
    [RECORD_STEP_ACTIVITY]: (args: RecordStepArgs) =>
      traceStep(args.instanceId, args.trace, args.resume ?? 'unknown', async (span) => {
        span.setAttributes({ ...stepAttributes(args.state, args.commands), 'lease.workflow.step': args.step });
        await recordStep(deps, args);
      }),
    [EVALUATE_ACTIVITY]: (args: EvaluateArgs) => evaluate(deps.expressions, args),
    [CHECK_SCHEMA_ACTIVITY]: (args: CheckSchemaArgs) => Promise.resolve(checkAgainstSchema(args.schema, args.value, args.what)),
  };
  for (const name of BUILTIN_CALLS) activities[`lease.${name}`] = call;
  return activities;
}

/**
 * Writes one step to the store, in one transaction: the instance row and whatever the observer
 * writes (request status, audit), then wakes the observer's waiters. Idempotent: a retried or
 * late attempt whose step is not newer than the stored one changes nothing.
 */
async function recordStep(deps: LeaseActivityDeps, args: RecordStepArgs): Promise<void> {
  const { store, observer } = deps;
  const event = { instanceId: args.instanceId, state: args.state, previous: args.previous, commands: args.commands };
  const applied = await store.transaction(async (tx) => {
    const row = await tx.workflows.get(args.instanceId);
    if (!row || !isTemporalCheckpoint(row.state)) {
      deps.logger.error({ instance: args.instanceId }, 'temporal workflow has no instance row; its steps are not recorded');
      return false;
    }
    if (row.state.step >= args.step) return false;
    await tx.workflows.save(args.instanceId, {
      state: { ...row.state, state: args.state, step: args.step } satisfies TemporalCheckpoint,
      status: instanceStatus(args.state),
      wake_at: earliestTimer(args.state),
    });
    await observer?.afterStep({ ...event, tx });
    return true;
  });
  if (applied) observer?.afterCommit?.(event);
}

async function evaluate(engine: ExpressionEngine, args: EvaluateArgs): Promise<EvaluateResult> {
  try {
    return { ok: true, value: engine.evaluate(args.expression, args.input, args.variables) ?? null };
  } catch (err) {
    if (err instanceof ExpressionError) return { ok: false, kind: err.kind, message: err.message };
    throw err;
  }
}

function earliestTimer(state: RecordStepArgs['state']): number | null {
  let earliest: number | null = null;
  for (const c of state.pending) if (c.kind === 'timer' && (earliest === null || c.at < earliest)) earliest = c.at;
  return earliest;
}
