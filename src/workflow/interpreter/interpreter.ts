// Entry points. Both are pure functions of their arguments: the same document, state, resume
// and env always give the same step. The caller's state object is never modified.
import { canonicalEventType, EXTEND_EVENT, REVOKE_EVENT } from '../calls/names.js';
import { transformWorkflowInput } from './data.js';
import { InvalidWorkflowState } from './errors.js';
import { deliverEvent, drive, guard, onTimeout, resumeTask, threadIds, threadWaitingOn } from './flow.js';
import {
  APPROVAL_DEADLINE_ID,
  IMPLICIT_REVOKE_TASK,
  LEASE_EXPIRY_ID,
  armApprovalDeadline,
  conclude,
  onApprovalDeadline,
  onExtendEvent,
  onImplicitRevokeCompleted,
  onImplicitRevokeFailed,
  onRevokeEvent,
  onRevoked,
  revokeNow,
} from './lease.js';
import { beginRun, cloneJson, threadOf, type InterpreterState, type Run } from './state.js';
import { keepForLater } from './tasks/listen.js';
import { armWorkflowTimeout } from './tasks/timeout.js';
import type { Command, InterpreterEnv, Resume, Step, WorkflowDocument, WorkflowState } from './types.js';

/** Starts a workflow with `input` and runs it until it waits for an effect or ends. */
export function startWorkflow(doc: WorkflowDocument, input: unknown, env: InterpreterEnv): Step {
  const raw = cloneJson(input);
  const initial: InterpreterState = {
    version: 1,
    status: 'running',
    pending: [],
    input: raw,
    context: {},
    started_at: env.now,
    seq: 0,
    frames: [],
  };
  const run = beginRun(doc, initial, env);
  guard(run, () => {
    const transformed = transformWorkflowInput(run, raw);
    // `$context` starts as the request, as Thand's workflows read `$context.user`, `$context.reason`:
    // the transformed input (DSL 1.0 leaves it open), in Thand's dialect the request as given.
    const request = run.thand ? raw : transformed;
    run.state.context = isObject(request) ? cloneJson(request) : {};
    if (run.thand) run.state.workflow_input = cloneJson(transformed);
    run.state.frames = [{ list: '/do', index: 0, data: transformed, input: transformed }];
    armWorkflowTimeout(run);
    armApprovalDeadline(run);
  });
  drive(run);
  return finish(run);
}

/**
 * Feeds one resume to a workflow and runs it until it waits again or ends. A resume for a
 * command that is not pending (a duplicate after a crash, an abandoned call) and events the
 * workflow does not listen for return the state unchanged with no commands.
 */
export function resumeWorkflow(doc: WorkflowDocument, state: WorkflowState, resume: Resume, env: InterpreterEnv): Step {
  const unchanged: Step = { state, commands: [] };
  if (state.version !== 1) throw new InvalidWorkflowState(`unknown workflow state version ${String(state.version)}`);
  if (state.status !== 'waiting' && state.status !== 'running') return unchanged;

  if (resume.kind === 'event') {
    const run = beginRun(doc, state as InterpreterState, env);
    const type = canonicalEventType(String(resume.event.type));
    if (type === REVOKE_EVENT) {
      if (!onRevokeEvent(run, revokeReason(resume.event.data))) return unchanged;
    } else if (type === EXTEND_EVENT) {
      if (!onExtendEvent(run, resume.event.data)) return unchanged;
    } else if (!deliverEvent(run, cloneJson(resume.event))) {
      // Nobody waits for it now: keep it for a later listen, or ignore it.
      const working = run.state.frames.length > 0 || Object.keys(run.state.threads ?? {}).length > 0;
      return working && keepForLater(run, cloneJson(resume.event)) ? { state: run.state, commands: [] } : unchanged;
    }
    drive(run);
    return finish(run);
  }

  const command = state.pending.find((c) => c.id === resume.id);
  if (!command || (command.kind === 'timer') !== (resume.kind === 'timer.fired')) return unchanged;
  const run = beginRun(doc, state as InterpreterState, env);
  run.state.pending = run.state.pending.filter((c) => c.id !== command.id);
  const waiting = threadWaitingOn(run, command);
  if (command.id === LEASE_EXPIRY_ID) {
    guard(run, () => revokeNow(run, 'expired'));
    if (run.state.lease?.active && run.state.frames.length === 0 && run.state.status === 'waiting' && run.state.pending.length === 0) {
      conclude(run, { status: 'completed' });
    }
  } else if (command.id === APPROVAL_DEADLINE_ID) {
    onApprovalDeadline(run);
  } else if (command.task === IMPLICIT_REVOKE_TASK) {
    if (resume.kind === 'call.completed') onImplicitRevokeCompleted(run);
    else if (resume.kind === 'call.failed') onImplicitRevokeFailed(run, resume.error);
  } else if (run.state.timeouts?.[command.id]) {
    onTimeout(run, command.id);
  } else if (waiting !== undefined) {
    resumeTask(run, waiting, command, resume);
  } else {
    resumeAbandoned(run, command, resume);
  }
  drive(run);
  return finish(run);
}

/** A call whose task was abandoned still counts when it revoked the lease (rule 3). */
function resumeAbandoned(run: Run, command: Command, resume: Resume): void {
  if (command.kind === 'call' && command.name === 'lease.revoke' && resume.kind === 'call.completed') {
    onRevoked(run);
    if (run.state.frames.length === 0) onImplicitRevokeCompleted(run);
  }
}

function finish(run: Run): Step {
  const { state } = run;
  if (state.status === 'running') throw new InvalidWorkflowState('interpreter stopped while running');
  const suspended = threadIds(run).some((id) => threadOf(run, id)?.current !== undefined);
  if (state.status === 'waiting' && state.pending.length === 0 && !suspended) throw new InvalidWorkflowState('waiting with nothing pending');
  const pendingIds = new Set(state.pending.map((c) => c.id));
  const step: Step = { state, commands: run.issued.filter((c) => pendingIds.has(c.id)) };
  if (run.emitted.length > 0) step.emitted = run.emitted;
  return step;
}

function revokeReason(data: unknown): string {
  const reason = (data as { reason?: unknown } | null | undefined)?.reason;
  return typeof reason === 'string' && reason !== '' ? reason : 'revoked';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
