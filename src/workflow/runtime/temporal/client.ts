// I/O side. The Temporal runtime as the server sees it: the same surface as EmbeddedRuntime
// (start, signal, recover, idle, stop). Temporal holds each workflow's state and timers; the
// store keeps one row per instance, written with the request in one transaction, so a crash
// between that commit and Temporal's start is repaired by recover().
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { systemClock, type Clock, type Logger } from '../../../core/index.js';
import type { Store } from '../../../store/index.js';
import type { WorkflowEvent, WorkflowState } from '../../interpreter/types.js';
import type { StartArgs } from '../embedded/index.js';
import { currentTrace } from '../trace.js';
import { isTemporalCheckpoint, type TemporalCheckpoint } from './checkpoint.js';
import { encryptedDataConverter } from './codec.js';
import type { TemporalSettings } from './config.js';
import { EVENT_SIGNAL, STATE_QUERY, WORKFLOW_TYPE, type LeaseWorkflowArgs } from './contract.js';
import { failureConverterPath } from './paths.js';
import type { PayloadKeys } from './payload-keys.js';

export interface TemporalRuntimeOptions {
  store: Store;
  logger: Logger;
  settings: Pick<TemporalSettings, 'address' | 'namespace' | 'taskQueue' | 'tls' | 'apiKey'>;
  keys: PayloadKeys;
  clock?: Clock;
}

/** Delay between attempts to start a workflow Temporal refused or could not be reached for. */
const START_RETRY_MS = [1_000, 5_000, 30_000];
/** Open instances read per page by recover(). */
const RECOVERY_PAGE = 500;

export class TemporalRuntime {
  private readonly operations = new Set<Promise<unknown>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private stopped = false;

  private constructor(
    private readonly options: TemporalRuntimeOptions,
    readonly client: Client,
  ) {}

  /** Connects to Temporal (lazily: the first call dials), with the payload codec on. */
  static async connect(options: TemporalRuntimeOptions): Promise<TemporalRuntime> {
    const { settings } = options;
    const connection = await Connection.connect({
      address: settings.address,
      ...(settings.tls !== undefined ? { tls: settings.tls } : {}),
      ...(settings.apiKey !== undefined ? { apiKey: settings.apiKey } : {}),
    });
    const client = new Client({
      connection,
      namespace: settings.namespace,
      dataConverter: { ...encryptedDataConverter(options.keys), failureConverterPath },
    });
    return new TemporalRuntime(options, client);
  }

  /**
   * Records the instance (with `within`'s writes) in one transaction, then starts its Temporal
   * workflow (id = instance id). When Temporal cannot be reached the request still exists: the
   * start is retried in the background, and by recover() after a restart.
   */
  async start(args: StartArgs): Promise<void> {
    const { store, clock = systemClock } = this.options;
    const trace = currentTrace();
    const checkpoint: TemporalCheckpoint = { engine: 'temporal', document: args.document, input: args.input, state: null, step: 0, ...(trace ? { trace } : {}) };
    await store.transaction(async (tx) => {
      await args.within?.(tx);
      await tx.workflows.insert({
        id: args.instanceId,
        workflow: args.workflow,
        state: checkpoint,
        status: 'running',
        wake_at: null,
        updated_at: new Date(clock.now()).toISOString(),
      });
    });
    await this.track(this.startWorkflow(args.instanceId, checkpoint, 0));
  }

  /** Delivers an event as the `leaseEvent` signal; starts the workflow with it if a crash kept it from starting. */
  async signal(instanceId: string, event: WorkflowEvent): Promise<void> {
    await this.track(this.deliver(instanceId, event));
  }

  /** Starts the Temporal workflow of every open instance that may not have one (a crash between commit and start). */
  async recover(): Promise<number> {
    const { store, logger } = this.options;
    let started = 0;
    // A page at a time: with many open leases, all their rows at once would be a memory spike.
    for (let after: string | null = null; ; ) {
      const page = await store.workflows.listOpenAfter(after, RECOVERY_PAGE);
      for (const row of page) {
        if (!isTemporalCheckpoint(row.state)) {
          logger.warn({ instance: row.id }, 'open workflow of the embedded runtime: run the server with the embedded engine to finish it');
          continue;
        }
        if (row.state.step > 0) continue; // a step was recorded: the workflow runs in Temporal
        if (await this.startWorkflow(row.id, row.state, 0)) started++;
      }
      if (page.length < RECOVERY_PAGE) break;
      after = page[page.length - 1]!.id;
    }
    if (started > 0) logger.info({ instances: started }, 'started temporal workflows left unstarted by a crash');
    return started;
  }

  /** The interpreter state of a running workflow, from the workflow itself (query). */
  async state(instanceId: string): Promise<WorkflowState | null> {
    return this.client.workflow.getHandle(instanceId).query<WorkflowState | null>(STATE_QUERY);
  }

  /** Waits until every start and signal this runtime began has settled. */
  async idle(): Promise<void> {
    while (this.operations.size > 0) await Promise.allSettled([...this.operations]);
  }

  /** Stops retrying starts, waits (briefly) for pending calls and closes the connection. Workflows go on in Temporal. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    // Unref'd: the bound on the wait must not itself keep the process alive for 5 s.
    await Promise.race([this.idle(), new Promise((r) => setTimeout(r, 5_000).unref())]);
    await this.client.connection.close();
  }

  private workflowArgs(instanceId: string, checkpoint: TemporalCheckpoint): LeaseWorkflowArgs {
    return { instanceId, document: checkpoint.document, input: checkpoint.input, ...(checkpoint.trace ? { trace: checkpoint.trace } : {}) };
  }

  private startOptions(instanceId: string, checkpoint: TemporalCheckpoint) {
    return {
      workflowId: instanceId,
      taskQueue: this.options.settings.taskQueue,
      args: [this.workflowArgs(instanceId, checkpoint)] as [LeaseWorkflowArgs],
      // One workflow per request, ever: a second start (retry, recovery) is refused, not run twice.
      workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
      workflowIdConflictPolicy: 'FAIL' as const,
    };
  }

  /** True when this call started the workflow; false when it existed, or failed (a retry is then scheduled). */
  private async startWorkflow(instanceId: string, checkpoint: TemporalCheckpoint, attempt: number): Promise<boolean> {
    try {
      await this.client.workflow.start(WORKFLOW_TYPE, this.startOptions(instanceId, checkpoint));
      return true;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
      const delay = START_RETRY_MS[Math.min(attempt, START_RETRY_MS.length - 1)]!;
      this.options.logger.error({ instance: instanceId, retry_in_ms: delay, err: errorText(err) }, 'could not start the temporal workflow; retrying');
      this.later(delay, () => this.startWorkflow(instanceId, checkpoint, attempt + 1));
      return false;
    }
  }

  private async deliver(instanceId: string, event: WorkflowEvent): Promise<void> {
    try {
      await this.client.workflow.getHandle(instanceId).signal(EVENT_SIGNAL, event);
      return;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    // No running workflow: either it has ended (the event is moot, as for the embedded
    // runtime), or it never started; then start it with the event.
    const row = await this.options.store.workflows.get(instanceId);
    if (!row || row.status !== 'running' || !isTemporalCheckpoint(row.state)) return;
    try {
      await this.client.workflow.signalWithStart(WORKFLOW_TYPE, {
        ...this.startOptions(instanceId, row.state),
        workflowIdConflictPolicy: 'USE_EXISTING',
        signal: EVENT_SIGNAL,
        signalArgs: [event],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err; // ended meanwhile
    }
  }

  private later(ms: number, fn: () => Promise<unknown>): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (!this.stopped) void this.track(fn());
    }, ms);
    this.retryTimers.add(timer);
  }

  private async track<T>(operation: Promise<T>): Promise<T> {
    this.operations.add(operation);
    try {
      return await operation;
    } finally {
      this.operations.delete(operation);
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
