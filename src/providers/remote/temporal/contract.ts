// What the server (dispatcher.ts) and a host's Temporal worker (agent/host/temporal-worker.ts)
// agree on when host tasks go through Temporal (`agent_transport: temporal`): names, ids, the
// argument shape and how each kind of task is started and retried. Plain types and constants
// only: the workflow (workflows.ts, deterministic sandbox) imports it too.
import type { Duration, RetryPolicy, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';

export const HOST_TASK_WORKFLOW = 'leaseHostTask';
export const HOST_TASK_ACTIVITY = 'lease.hostTask';

export type HostTaskKind = 'grant' | 'revoke' | 'list';

/** The workflow's (and its activity's) one argument: the host task without id and attempt. */
export interface HostTaskArgs {
  kind: HostTaskKind;
  provider: string;
  /** Provider type, settings, and the grant's input or the revoke's record (HostTaskSpec.payload). */
  payload: Record<string, unknown>;
}

/** What the host answers: a result, or a refusal (status < 500; failures ≥ 500 are retried, then fail the workflow). */
export type HostTaskAnswer = { outcome: 'done'; result: unknown } | { outcome: 'failed'; error: { code: string; message: string; status: number } };

/** The task queue only that host's worker polls. */
export function hostTaskQueue(host: string): string {
  return `lease-host-${host}`;
}

/** One workflow id per (kind, provider, request), like the server channel's row key. */
export function hostTaskWorkflowId(kind: HostTaskKind, provider: string, requestId: string | null): string {
  return `host:${kind}:${provider}:${requestId ?? '-'}`;
}

/**
 * How a task's workflow is started. Every kind attaches to a running execution (USE_EXISTING):
 * a retried call waits for the task already queued instead of queuing a second one.
 * - grant: never twice. A completed run is not run again (its answer, a grant record or a
 *   refusal, is read back); only a run that failed or timed out may be started anew, like the
 *   channel re-running a 5xx. A grant not taken by the host within 60 s is dropped
 *   (execution timeout): once the request has given up, a host coming back must not grant late.
 * - revoke: a new run after a completed one ("make sure it is gone now"); no timeout: a host
 *   that is offline runs it when back (the sudo rule's NOTAFTER covers the gap).
 * - list: a new run after a completed one; dropped after 30 s (the reconciler tries again).
 */
export function hostTaskStartPolicy(kind: HostTaskKind): { workflowIdReusePolicy: WorkflowIdReusePolicy; workflowIdConflictPolicy: WorkflowIdConflictPolicy; workflowExecutionTimeout?: Duration } {
  switch (kind) {
    case 'grant':
      return { workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY', workflowIdConflictPolicy: 'USE_EXISTING', workflowExecutionTimeout: '60s' };
    case 'revoke':
      return { workflowIdReusePolicy: 'ALLOW_DUPLICATE', workflowIdConflictPolicy: 'USE_EXISTING' };
    case 'list':
      return { workflowIdReusePolicy: 'ALLOW_DUPLICATE', workflowIdConflictPolicy: 'USE_EXISTING', workflowExecutionTimeout: '30s' };
  }
}

/**
 * The activity's own retries (a host failure ≥ 500). No schedule-to-start timeout: the task
 * waits on the host's queue until the host polls (bounded by the workflow's timeout above).
 */
export function hostTaskActivityOptions(kind: HostTaskKind): { startToCloseTimeout: Duration; retry: RetryPolicy } {
  const backoff = { initialInterval: '1s', backoffCoefficient: 2 } as const;
  switch (kind) {
    case 'grant':
      return { startToCloseTimeout: '1m', retry: { ...backoff, maximumInterval: '10s', maximumAttempts: 5 } };
    case 'revoke':
      return { startToCloseTimeout: '1m', retry: { ...backoff, maximumInterval: '60s' } }; // forever
    case 'list':
      return { startToCloseTimeout: '20s', retry: { ...backoff, maximumInterval: '5s', maximumAttempts: 3 } };
  }
}
