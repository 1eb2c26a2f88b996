// Activities are the workflow's side effects (provider calls, notifications). The runtime
// executes them at least once; each must be idempotent for the same (instance, command id).
import { revealSecrets } from '../interpreter/secrets.js';
import type { WorkflowError } from '../interpreter/types.js';

export interface ActivityContext {
  instanceId: string;
  /** JSON pointer of the task that issued the call. */
  task: string;
  /** The command id; stable across re-executions after a crash, so it keys idempotency. */
  commandId: string;
  /** 1 for the first try. */
  attempt: number;
}

export type ActivityHandler = (name: string, args: unknown, ctx: ActivityContext) => Promise<unknown>;

/**
 * A business failure: retrying will not help (denied by policy, bad arguments). The workflow
 * sees it as `call.failed` at once. Any other thrown error is treated as transient and retried.
 */
export class ActivityFailure extends Error {
  constructor(readonly error: WorkflowError) {
    super(error.detail ?? error.title ?? error.type);
    this.name = 'ActivityFailure';
  }
}

export const LEASE_ERROR_BASE = 'https://lease.dev/errors/';

export interface RetryPolicy {
  /** Attempts before giving up; Infinity retries until it succeeds. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** Revocation is a promise: it is retried until the provider confirms. Other calls give up. */
export function retryPolicyFor(name: string): RetryPolicy {
  if (name === 'lease.revoke') return { maxAttempts: Infinity, initialDelayMs: 200, maxDelayMs: 60_000 };
  return { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 10_000 };
}

export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * A call's arguments with their `use.secrets` placeholders filled in by `resolve` (no resolver:
 * unchanged). A secret nobody provides is configuration, not a passing fault: an ActivityFailure
 * (`secret_unavailable`), never retried.
 */
export function revealCallSecrets(args: unknown, resolve: ((name: string) => string | undefined) | undefined): unknown {
  if (!resolve) return args;
  try {
    return revealSecrets(args, resolve);
  } catch (err) {
    throw new ActivityFailure({ type: `${LEASE_ERROR_BASE}secret_unavailable`, status: 500, title: 'secret_unavailable', detail: err instanceof Error ? err.message : String(err) });
  }
}
