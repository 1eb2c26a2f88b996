// The embedded runtime: drives the pure interpreter in-process and checkpoints its state to the
// store after every step. Durable by construction: a step's effects (commands) are dispatched
// only after the checkpoint that issued them committed, so after a crash `recover()` re-issues
// exactly the commands that were pending: calls run again (activities are idempotent) and timers
// re-arm from their persisted time (a timer already past fires at once).
//
// Memory: a waiting instance (a lease until its expiry, a request until its approval) holds
// only (its id, the due time of its earliest timer) here: when that time comes its checkpoint is
// read from the store and every timer then due fires, one step each; an event reads it too.
// Checkpoints stay in memory only while the instance has calls in flight, whose results resume
// it moments later.
import type { Clock, Logger } from '../../../core/index.js';
import type { InboxEvent, Store } from '../../../store/index.js';
import { checkAgainstSchema } from '../../dsl/schema.js';
import { resumeWorkflow, startWorkflow } from '../../interpreter/index.js';
import type {
  InterpreterEnv,
  Command,
  ExpressionEngine,
  Resume,
  WorkflowDocument,
  WorkflowError,
  WorkflowEvent,
  WorkflowState,
} from '../../interpreter/types.js';
import { ActivityFailure, LEASE_ERROR_BASE, backoffDelay, retryPolicyFor, revealCallSecrets, type ActivityHandler } from '../activities.js';
import { currentTrace, stepAttributes, traceCall, traceStep } from '../trace.js';
import { KeyedQueue } from './keyed-queue.js';
import { TimerQueue } from './timers.js';

/** What is stored in workflow_instances.state: the interpreter state and the document it runs. */
export interface Checkpoint {
  /** Snapshot of the document, so a config change never alters a running workflow. */
  document: WorkflowDocument;
  state: WorkflowState;
  /** The trace context (W3C traceparent) of the API call that started it, when tracing is on: its steps and calls are spans of that trace. */
  trace?: string;
}

export interface StepEvent {
  instanceId: string;
  state: WorkflowState;
  previous: WorkflowState | undefined;
  /** Commands this step issued (about to be dispatched once the checkpoint commits). */
  commands: readonly Command[];
}

export interface StepObserver {
  /**
   * Called inside the checkpoint transaction of every step, so whatever it writes (request
   * status, audit) commits atomically with the workflow state.
   */
  afterStep(args: StepEvent & { tx: Store }): Promise<void>;
  /** Called once the step's checkpoint (and everything before it) is committed. */
  afterCommit?(event: StepEvent): void;
}

export interface EmbeddedRuntimeOptions {
  store: Store;
  clock: Clock;
  expressions: ExpressionEngine;
  activities: ActivityHandler;
  logger: Logger;
  observer?: StepObserver;
  /**
   * Resolves `use.secrets` names for activities. The interpreter only ever sees placeholders,
   * so secret values never enter the state, the store or a log; they are put in here, at the
   * last moment, in the arguments handed to the activity.
   */
  secrets?: (name: string) => string | undefined;
}

export interface StartArgs {
  instanceId: string;
  workflow: string;
  document: WorkflowDocument;
  input: unknown;
  /** Writes that must commit together with the new instance (e.g. the request row, its audit entry). */
  within?: (tx: Store) => Promise<void>;
}

/** Open instances read per page during recovery (one page of checkpoints in memory at a time). */
const RECOVERY_PAGE = 500;

export class EmbeddedRuntime {
  private readonly queue = new KeyedQueue();
  /** Instance id → when to wake it: the earliest timer in its checkpoint's pending commands. */
  private readonly wakeUps: TimerQueue;
  private readonly inFlight = new Set<string>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly activityRuns = new Set<Promise<void>>();
  /**
   * Last committed checkpoint of each running instance with calls in flight. This process is the
   * only writer of its instances, so the cache equals the store; it spares a read and a JSON
   * parse for the steps that call results trigger. Instances that only wait are not here.
   */
  private readonly checkpoints = new Map<string, Checkpoint>();
  private stopped = false;

  constructor(private readonly options: EmbeddedRuntimeOptions) {
    this.wakeUps = new TimerQueue(
      () => options.clock.now(),
      (instanceId) => void this.wake(instanceId),
    );
  }

  /** What this runtime holds in memory: checkpoints (of instances with calls in flight) and instances with a timer armed. */
  resident(): { checkpoints: number; timers: number } {
    return { checkpoints: this.checkpoints.size, timers: this.wakeUps.count };
  }

  /** Starts a workflow instance; resolves once its first checkpoint is committed. */
  async start(args: StartArgs): Promise<WorkflowState> {
    const trace = currentTrace();
    return traceStep(args.instanceId, undefined, 'start', async (span) => {
      const { store, observer } = this.options;
      const step = startWorkflow(args.document, args.input, this.env());
      const checkpoint: Checkpoint = { document: args.document, state: step.state, ...(trace ? { trace } : {}) };
      await store.transaction(async (tx) => {
        await args.within?.(tx);
        await tx.workflows.insert({
          id: args.instanceId,
          workflow: args.workflow,
          state: checkpoint,
          status: instanceStatus(step.state),
          wake_at: earliestTimer(step.state.pending),
          updated_at: new Date(this.options.clock.now()).toISOString(),
        });
        await observer?.afterStep({ instanceId: args.instanceId, state: step.state, previous: undefined, commands: step.commands, tx });
      });
      span.setAttributes(stepAttributes(step.state, step.commands));
      this.remember(args.instanceId, checkpoint);
      observer?.afterCommit?.({ instanceId: args.instanceId, state: step.state, previous: undefined, commands: step.commands });
      this.armWakeUp(args.instanceId, step.state);
      this.dispatchAll(args.instanceId, step.commands, trace);
      return step.state;
    });
  }

  /** Delivers an event. It is persisted in the inbox first, so it survives a crash before it is handled. */
  async signal(instanceId: string, event: WorkflowEvent): Promise<void> {
    const seq = await this.options.store.inbox.append(instanceId, event);
    await this.resume(instanceId, { kind: 'event', event }, seq);
  }

  /** Resumes every open instance after a start-up: re-issues pending commands, handles unread events. */
  async recover(): Promise<number> {
    const { store, logger } = this.options;
    const unread = new Map<string, InboxEvent[]>();
    for (const inboxEvent of await store.inbox.listPending()) {
      const events = unread.get(inboxEvent.instance_id) ?? [];
      events.push(inboxEvent);
      unread.set(inboxEvent.instance_id, events);
    }
    let resumed = 0;
    for (let after: string | null = null; ; ) {
      const page = await store.workflows.listOpenAfter(after, RECOVERY_PAGE);
      for (const record of page) {
        const checkpoint = record.state as Checkpoint;
        this.remember(record.id, checkpoint);
        this.armWakeUp(record.id, checkpoint.state);
        this.dispatchAll(record.id, checkpoint.state.pending, checkpoint.trace);
        for (const inboxEvent of unread.get(record.id) ?? []) {
          void this.resume(record.id, { kind: 'event', event: inboxEvent.event as WorkflowEvent }, inboxEvent.seq);
        }
      }
      resumed += page.length;
      if (page.length < RECOVERY_PAGE) break;
      after = page[page.length - 1]!.id;
    }
    if (resumed > 0) logger.info({ instances: resumed }, 'resumed open workflows');
    return resumed;
  }

  /** Waits until every queued step and running activity has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.activityRuns.size > 0) await Promise.all([...this.activityRuns]);
    await this.queue.idle();
  }

  /** Stops arming timers and retrying; in-flight steps finish. State stays in the store. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUps.cancelAll();
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    // Unref'd: the bound on the wait must not itself keep the process alive for 5 s.
    await Promise.race([this.idle(), new Promise((r) => setTimeout(r, 5_000).unref())]);
  }

  private env(): InterpreterEnv {
    return { now: this.options.clock.now(), expressions: this.options.expressions, schemas: checkAgainstSchema };
  }

  /** Applies one Resume to an instance and checkpoints the result, one step at a time per instance. */
  private resume(instanceId: string, resume: Resume, inboxSeq?: number): Promise<void> {
    return this.queue.run(instanceId, async () => {
      if (this.stopped) return;
      const checkpoint = this.checkpoints.get(instanceId) ?? (await this.load(instanceId));
      if (!checkpoint) {
        if (inboxSeq !== undefined) await this.options.store.inbox.markConsumed(inboxSeq);
        return;
      }
      await this.step(instanceId, checkpoint, resume, inboxSeq);
    });
  }

  /** Fires the instance's timers that are due, in due order, one step each (a step may abandon a later one). */
  private wake(instanceId: string): Promise<void> {
    return this.queue.run(instanceId, async () => {
      let checkpoint = this.checkpoints.get(instanceId) ?? (await this.load(instanceId));
      const now = this.options.clock.now();
      const due = (checkpoint?.state.pending ?? [])
        .filter((c): c is Extract<Command, { kind: 'timer' }> => c.kind === 'timer' && c.at <= now)
        .sort((a, b) => a.at - b.at);
      for (const timer of due) {
        if (this.stopped || !checkpoint) return;
        if (!checkpoint.state.pending.some((c) => c.kind === 'timer' && c.id === timer.id)) continue;
        checkpoint = await this.step(instanceId, checkpoint, { kind: 'timer.fired', id: timer.id });
      }
      // Nothing was due (the checkpoint moved on since the wake-up was armed): wait for what is pending now.
      if (due.length === 0 && checkpoint) this.armWakeUp(instanceId, checkpoint.state);
    });
  }

  /**
   * Runs one step from `checkpoint`, commits it (with the observer's writes and the inbox
   * event it consumed), then arms the next wake-up and dispatches the step's calls. Returns the
   * new checkpoint, or undefined when the instance ended.
   */
  private step(instanceId: string, checkpoint: Checkpoint, resume: Resume, inboxSeq?: number): Promise<Checkpoint | undefined> {
    return traceStep(instanceId, checkpoint.trace, resume.kind, async (span) => {
      const next = await this.stepOnce(instanceId, checkpoint, resume, inboxSeq);
      span.setAttributes(stepAttributes(next.state, next.commands));
      return next.checkpoint;
    });
  }

  private async stepOnce(instanceId: string, checkpoint: Checkpoint, resume: Resume, inboxSeq?: number): Promise<{ checkpoint: Checkpoint | undefined; state: WorkflowState; commands: readonly Command[] }> {
    const { store, observer, logger } = this.options;
    const step = resumeWorkflow(checkpoint.document, checkpoint.state, resume, this.env());
    const next: Checkpoint = { document: checkpoint.document, state: step.state, ...(checkpoint.trace ? { trace: checkpoint.trace } : {}) };
    await store.transaction(async (tx) => {
      await tx.workflows.save(instanceId, {
        state: next,
        status: instanceStatus(step.state),
        wake_at: earliestTimer(step.state.pending),
      });
      if (inboxSeq !== undefined) await tx.inbox.markConsumed(inboxSeq);
      await observer?.afterStep({ instanceId, state: step.state, previous: checkpoint.state, commands: step.commands, tx });
    });
    this.remember(instanceId, next);
    observer?.afterCommit?.({ instanceId, state: step.state, previous: checkpoint.state, commands: step.commands });
    this.armWakeUp(instanceId, step.state);
    if (step.state.status === 'faulted') {
      logger.warn({ instance: instanceId, error: step.state.error }, 'workflow faulted');
    }
    this.dispatchAll(instanceId, step.commands, checkpoint.trace);
    return { checkpoint: instanceStatus(step.state) === 'running' ? next : undefined, state: step.state, commands: step.commands };
  }

  /** Wakes a running instance at its earliest pending timer; an instance with none (or ended) is not woken. */
  private armWakeUp(instanceId: string, state: WorkflowState): void {
    const at = instanceStatus(state) === 'running' ? earliestTimer(state.pending) : null;
    if (at === null) this.wakeUps.cancel(instanceId);
    else if (!this.stopped) this.wakeUps.arm(instanceId, at);
  }

  /** Keeps the checkpoint while calls of the instance are in flight; otherwise the store holds it. */
  private remember(instanceId: string, checkpoint: Checkpoint): void {
    if (instanceStatus(checkpoint.state) === 'running' && checkpoint.state.pending.some((c) => c.kind === 'call')) this.checkpoints.set(instanceId, checkpoint);
    else this.checkpoints.delete(instanceId);
  }

  /** The committed checkpoint of a running instance, or undefined when it has ended or does not exist. */
  private async load(instanceId: string): Promise<Checkpoint | undefined> {
    const record = await this.options.store.workflows.get(instanceId);
    return record && record.status === 'running' ? (record.state as Checkpoint) : undefined;
  }

  private dispatchAll(instanceId: string, commands: readonly Command[], trace: string | undefined): void {
    for (const command of commands) this.dispatch(instanceId, command, trace);
  }

  private dispatch(instanceId: string, command: Command, trace: string | undefined): void {
    if (this.stopped) return;
    // Timers wake the instance through armWakeUp.
    if (command.kind === 'timer') return;
    const key = `${instanceId}/${command.id}`;
    if (this.inFlight.has(key)) return;
    this.inFlight.add(key);
    const run = this.runActivity(instanceId, command, trace)
      .then((resume) => this.resume(instanceId, resume))
      .catch((err: unknown) => this.options.logger.error({ instance: instanceId, err: errorText(err) }, 'activity dispatch failed'))
      .finally(() => {
        this.inFlight.delete(key);
        this.activityRuns.delete(run);
      });
    this.activityRuns.add(run);
  }

  /** Runs an activity with its retry policy; resolves to the Resume that reports the outcome. */
  private async runActivity(instanceId: string, command: Extract<Command, { kind: 'call' }>, trace: string | undefined): Promise<Resume> {
    const { activities, logger } = this.options;
    const policy = retryPolicyFor(command.name);
    let args: unknown;
    try {
      args = revealCallSecrets(command.args, this.options.secrets);
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      return { kind: 'call.failed', id: command.id, error: { ...err.error, instance: command.task } };
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const context = { instanceId, task: command.task, commandId: command.id, attempt };
        const result = await traceCall({ instanceId, name: command.name, task: command.task, attempt }, trace, () => activities(command.name, args, context));
        return { kind: 'call.completed', id: command.id, result: result ?? null };
      } catch (err) {
        if (err instanceof ActivityFailure) return { kind: 'call.failed', id: command.id, error: withInstance(err.error, command.task) };
        if (attempt >= policy.maxAttempts) {
          return {
            kind: 'call.failed',
            id: command.id,
            error: {
              type: `${LEASE_ERROR_BASE}activity`,
              status: 502,
              title: 'activity_failed',
              detail: `${command.name} failed after ${attempt} attempts: ${errorText(err)}`,
              instance: command.task,
            },
          };
        }
        const delay = backoffDelay(policy, attempt);
        logger.warn({ instance: instanceId, call: command.name, attempt, retry_in_ms: delay, err: errorText(err) }, 'activity failed; retrying');
        await this.sleep(delay);
        if (this.stopped) throw new Error('runtime stopped', { cause: err });
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.retryTimers.delete(t);
        resolve();
      }, ms);
      this.retryTimers.add(t);
    });
  }
}

function instanceStatus(state: WorkflowState): 'running' | 'completed' | 'faulted' {
  if (state.status === 'faulted') return 'faulted';
  if (state.status === 'completed' || state.status === 'cancelled') return 'completed';
  return 'running';
}

function earliestTimer(pending: readonly Command[]): number | null {
  let earliest: number | null = null;
  for (const c of pending) if (c.kind === 'timer' && (earliest === null || c.at < earliest)) earliest = c.at;
  return earliest;
}

function withInstance(error: WorkflowError, task: string): WorkflowError {
  return error.instance ? error : { ...error, instance: task };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
