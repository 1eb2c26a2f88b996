// The durable channel between the server and its host agents. A provider call bound to a host
// (RemoteAccessProvider) becomes a row in host_tasks, committed before the call waits; the host
// fetches it by long poll and answers it; the waiting call returns the answer. A call that is
// not answered in time throws a transient error, so the workflow runtime retries it, and the
// row stays: a host that was offline runs it as soon as it polls again.
import { newId, NotFound, type Clock, type Logger } from '../../core/index.js';
import type { HostTaskKind, HostTaskRecord, Store } from '../../store/index.js';
import type { AgentBinding } from '../provider.js';
import { HostCredentials } from './credential.js';
import { HostChannelClosed, HostOffline, HostTaskFailed, HostTimeout } from './errors.js';
import { MAX_POLL_WAIT_S, TASK_CLAIM_MS, type HostTask, type TaskResult } from './protocol.js';

/** A host that has not polled for this long counts as offline. */
export const ONLINE_WINDOW_MS = MAX_POLL_WAIT_S * 1000 + 10_000;
/** How often waits re-read the store, for tasks queued or answered by another process (lease worker). */
const STORE_POLL_MS = 1_000;
/** Most tasks handed out by one fetch. */
const FETCH_LIMIT = 20;

export interface HostTaskSpec {
  host: string;
  provider: string;
  kind: HostTaskKind;
  requestId: string | null;
  /** What the host needs besides the task's identity (type, settings, input or record). */
  payload: Record<string, unknown>;
  /** A finished task with the same payload answers again (grant) instead of running again (revoke, list). */
  reuseDone: boolean;
  /** A pending task not handed out within this is dropped (grants nobody waits for any more). */
  deliverWithinMs?: number;
  /**
   * What to do when the host is not connected: `wait` (queue and wait anyway: revocations),
   * `fail` (throw HostOffline at once, queuing nothing, when it is known to be offline: grants),
   * `fail-unless-connected` (also when this process cannot tell: listings for the reconciler).
   */
  offline: 'wait' | 'fail' | 'fail-unless-connected';
  /** How long this call waits for the answer before throwing a transient error. */
  waitMs: number;
}

/** How host tasks reach their host: this channel, or a per-host Temporal task queue (temporal/). */
export interface HostTaskTransport {
  /** Runs the task on its host and returns its result; throws a transient error when it is not answered in time. */
  run(spec: HostTaskSpec): Promise<unknown>;
}

export interface HostChannelOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
}

export class HostChannel implements HostTaskTransport {
  readonly credentials = new HostCredentials();
  private readonly taskWaiters = new Map<string, Set<() => void>>();
  private readonly hostWaiters = new Map<string, Set<() => void>>();
  private readonly lastSeen = new Map<string, number>();
  private readonly polling = new Map<string, number>();
  private servingSince: number | undefined;
  private closed = false;

  constructor(private readonly options: HostChannelOptions) {}

  /** Called by the registry for each provider bound to a host. */
  bind(providerId: string, binding: Extract<AgentBinding, { transport: 'server' }>): void {
    this.credentials.add(binding.host, binding.credentialSha256, providerId);
  }

  /** Checks the host's bearer credential (HostUnauthorized); a refusal is logged with the host id, never the credential. */
  authenticate(host: string, authorization: string | undefined): void {
    try {
      this.credentials.verify(host, authorization);
    } catch (err) {
      this.options.logger.warn({ host, known_host: this.credentials.hosts().includes(host) }, 'host agent refused: missing or wrong credential');
      throw err;
    }
  }

  /** This process answers the hosts' polls (the server): it can tell when a host is offline. */
  serveAgents(): void {
    this.servingSince ??= this.options.clock.now();
  }

  /**
   * True/false when this process serves the hosts' polls; undefined when it cannot tell: it does
   * not serve them (a lease worker), or it started serving too recently for hosts to be back.
   */
  online(host: string): boolean | undefined {
    if ((this.polling.get(host) ?? 0) > 0) return true;
    const now = this.options.clock.now();
    const seen = this.lastSeen.get(host);
    if (seen !== undefined && now - seen < ONLINE_WINDOW_MS) return true;
    if (this.servingSince === undefined || now - this.servingSince < ONLINE_WINDOW_MS) return undefined;
    return false;
  }

  /** Runs a task on its host: committed to the store first, then waited for. Returns the host's result. */
  async run(spec: HostTaskSpec): Promise<unknown> {
    if (this.closed) throw new HostChannelClosed();
    const online = this.online(spec.host);
    if ((spec.offline === 'fail' && online === false) || (spec.offline === 'fail-unless-connected' && online !== true)) throw new HostOffline(spec.host);
    const task = await this.enqueue(spec);
    this.wake(this.hostWaiters, spec.host);
    const settled = task.status === 'pending' ? await this.waitFor(task.id, spec.waitMs) : task;
    if (settled.status === 'done') return settled.result;
    if (settled.status === 'failed' && settled.error) throw new HostTaskFailed(spec.host, settled.error);
    throw this.online(spec.host) === false ? new HostOffline(spec.host) : new HostTimeout(spec.host, spec.kind);
  }

  /**
   * The host's pending tasks, claimed for TASK_CLAIM_MS; waits up to `waitMs` for one to
   * arrive when there is none (long poll). Ends early, empty, when the channel closes or the
   * agent hangs up (`signal`): a dead connection must not claim tasks nobody will run.
   * `fresh`: the agent holds no task (it just started or reconnected), so tasks claimed by a
   * connection it lost are handed out again now rather than when their claim runs out.
   */
  async fetch(host: string, waitMs: number, options: { signal?: AbortSignal; fresh?: boolean } = {}): Promise<HostTask[]> {
    const { store, clock } = this.options;
    const { signal } = options;
    const deadline = Date.now() + waitMs;
    this.polling.set(host, (this.polling.get(host) ?? 0) + 1);
    const hangUp = () => this.wake(this.hostWaiters, host);
    signal?.addEventListener('abort', hangUp);
    try {
      if (options.fresh) await store.hostTasks.release(host);
      for (;;) {
        if (signal?.aborted) return [];
        const now = clock.now();
        const tasks = await store.hostTasks.claim(host, now, now + TASK_CLAIM_MS, FETCH_LIMIT);
        const remaining = deadline - Date.now();
        if (tasks.length > 0 || this.closed || remaining <= 0) return tasks.map(toHostTask);
        await this.sleepOrWake(this.hostWaiters, host, Math.min(remaining, STORE_POLL_MS));
      }
    } finally {
      signal?.removeEventListener('abort', hangUp);
      this.polling.set(host, (this.polling.get(host) ?? 1) - 1);
      this.lastSeen.set(host, clock.now());
    }
  }

  /** Records the host's answer to one of its tasks; false when it answers an attempt no longer pending. */
  async answer(host: string, taskId: string, result: TaskResult): Promise<boolean> {
    const { store, logger } = this.options;
    const task = await store.hostTasks.get(taskId);
    // Another host's task is as unknown as a missing one.
    if (!task || task.host !== host) throw new NotFound('host_task_not_found', `no task ${taskId} for host ${host}`);
    const accepted = await store.hostTasks.complete(
      taskId,
      result.attempt,
      result.outcome === 'done' ? { status: 'done', result: result.result ?? null } : { status: 'failed', error: result.error },
    );
    logger.info({ host, task: taskId, kind: task.kind, request: task.request_id, outcome: result.outcome, accepted, ...(result.outcome === 'failed' ? { code: result.error.code } : {}) }, 'host task answered');
    if (accepted) this.wake(this.taskWaiters, taskId);
    return accepted;
  }

  /** Ends every wait (calls throw HostChannelClosed, polls answer empty); for shutdown. */
  close(): void {
    this.closed = true;
    for (const waiters of [...this.taskWaiters.values(), ...this.hostWaiters.values()]) for (const wake of waiters) wake();
  }

  /** The task for `spec`: new, the pending one (refreshed), a finished one to reuse, or a finished one run again. */
  private enqueue(spec: HostTaskSpec): Promise<HostTaskRecord> {
    const { store, clock } = this.options;
    const key = `${spec.kind}:${spec.provider}:${spec.requestId ?? '-'}`;
    return store.transaction(async (tx) => {
      const now = clock.now();
      const deliverBefore = spec.deliverWithinMs === undefined ? null : now + spec.deliverWithinMs;
      const existing = await tx.hostTasks.getByKey(key);
      if (!existing) {
        const iso = new Date(now).toISOString();
        const record = {
          id: newId('task', now),
          key,
          host: spec.host,
          provider: spec.provider,
          kind: spec.kind,
          request_id: spec.requestId,
          payload: spec.payload,
          status: 'pending' as const,
          attempt: 1,
          deliver_before: deliverBefore,
          created_at: iso,
          updated_at: iso,
        };
        await tx.hostTasks.insert(record);
        return { ...record, claimed_until: null, result: null, error: null, completed_at: null };
      }
      if (existing.status === 'pending') {
        await tx.hostTasks.refresh(existing.id, { payload: spec.payload, deliver_before: deliverBefore });
        return { ...existing, payload: spec.payload, deliver_before: deliverBefore };
      }
      const samePayload = JSON.stringify(existing.payload) === JSON.stringify(spec.payload);
      // A grant already done is not done twice; a refusal (< 500) would only be refused again.
      const reusable = existing.status === 'done' || (existing.error !== null && existing.error.status < 500);
      if (spec.reuseDone && samePayload && reusable) return existing;
      await tx.hostTasks.rearm(existing.id, { attempt: existing.attempt + 1, payload: spec.payload, deliver_before: deliverBefore });
      return { ...existing, status: 'pending' as const, attempt: existing.attempt + 1, payload: spec.payload, deliver_before: deliverBefore, result: null, error: null };
    });
  }

  private async waitFor(taskId: string, waitMs: number): Promise<HostTaskRecord> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const task = await this.options.store.hostTasks.get(taskId);
      if (!task) throw new NotFound('host_task_not_found', `task ${taskId} disappeared`);
      if (task.status !== 'pending') return task;
      if (this.closed) throw new HostChannelClosed();
      const remaining = deadline - Date.now();
      if (remaining <= 0) return task;
      await this.sleepOrWake(this.taskWaiters, taskId, Math.min(remaining, STORE_POLL_MS));
    }
  }

  private sleepOrWake(waiters: Map<string, Set<() => void>>, key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = waiters.get(key);
      if (!set) waiters.set(key, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && waiters.get(key) === set) waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  private wake(waiters: Map<string, Set<() => void>>, key: string): void {
    for (const wake of [...(waiters.get(key) ?? [])]) wake();
  }
}

function toHostTask(task: HostTaskRecord): HostTask {
  return { ...(task.payload as Record<string, unknown>), id: task.id, attempt: task.attempt, kind: task.kind, provider: task.provider } as HostTask;
}
