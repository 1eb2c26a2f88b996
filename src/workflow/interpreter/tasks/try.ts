// `try: [tasks]` + `catch: {errors: {with}, as, when, exceptWhen, retry, do}`: a fault inside the
// try list that the catch matches is caught. With a retry policy that still allows it, the try
// list runs again after the policy's delay (a durable timer); otherwise `catch.do` runs with the
// error as `$<as>` (default `$error`), or, without `catch.do`, the task completes with its input
// (but once a retry policy is exhausted, a catch without `do` lets the error go on).
//
// Retry policies (inline or named in `use.retries`): `delay` (duration), `backoff` (`constant`,
// `linear`: delay × retry number, `exponential`: delay × 2^(retry−1)), `limit.attempt.count`
// (retries after the first attempt), `limit.duration` (since the first attempt), `when` /
// `exceptWhen`. `jitter` is ignored: delays must be deterministic.
import { condition, taskVariables } from '../data.js';
import { finishTask } from '../flow.js';
import type { TaskRef } from '../pointer.js';
import { issue, threadOf, type Frame, type Run } from '../state.js';
import type { WorkflowError } from '../types.js';
import type { TaskHandler } from './task.js';
import { durationMs } from './wait.js';

interface CatchSpec {
  errors?: { with?: Record<string, unknown> };
  as?: string;
  when?: unknown;
  exceptWhen?: unknown;
  retry?: unknown;
  do?: unknown[];
}

interface RetryPolicy {
  delay?: unknown;
  backoff?: Record<string, unknown>;
  limit?: { attempt?: { count?: number }; duration?: unknown };
  when?: unknown;
  exceptWhen?: unknown;
}

export type CatchDecision = { kind: 'retry'; delay: number } | { kind: 'catch' };

interface RetryMemo {
  attempt: number;
  first_attempt_at: number;
}

export const tryTask: TaskHandler = {
  start: ({ run, ref }) => ({ kind: 'enter', list: `${ref.pointer}/try`, frame: { role: 'try', attempt: 1, first_attempt_at: run.now } }),
  // The retry delay elapsed: run the try list again.
  resume: ({ ref, memo }) => {
    const retry = memo as RetryMemo;
    return { kind: 'enter', list: `${ref.pointer}/try`, frame: { role: 'try', attempt: retry.attempt, first_attempt_at: retry.first_attempt_at } };
  },
};

/** Whether the try task `owner` catches `error` raised in its body, and how. */
export function catchDecision(run: Run, owner: TaskRef, body: Frame, error: WorkflowError): CatchDecision | undefined {
  const spec = (owner.task.catch ?? {}) as CatchSpec;
  const filter = spec.errors?.with ?? {};
  for (const [key, expected] of Object.entries(filter)) {
    if ((error as unknown as Record<string, unknown>)[key] !== expected) return undefined;
  }
  const vars = { ...taskVariables(run, owner, body.input), [spec.as ?? 'error']: error };
  if (spec.when !== undefined && !condition(run, spec.when, error, vars, owner.pointer)) return undefined;
  if (spec.exceptWhen !== undefined && condition(run, spec.exceptWhen, error, vars, owner.pointer)) return undefined;
  const policy = retryPolicy(run, spec.retry);
  if (policy && retryAllowed(run, owner, policy, body, error, vars)) {
    return { kind: 'retry', delay: retryDelay(policy, body.attempt ?? 1) };
  }
  // Retries exhausted and nothing to run instead: the error goes on to the enclosing try.
  if (policy && !(Array.isArray(spec.do) && spec.do.length > 0)) return undefined;
  return { kind: 'catch' };
}

/** Carries out a decision; the thread's frames were unwound to the try task. */
export function applyCatch(run: Run, owner: TaskRef, body: Frame, error: WorkflowError, decision: CatchDecision): void {
  const thread = threadOf(run);
  if (!thread) return;
  if (decision.kind === 'retry') {
    const memo: RetryMemo = { attempt: (body.attempt ?? 1) + 1, first_attempt_at: body.first_attempt_at ?? run.now };
    thread.current = { task: owner.pointer, input: body.input, memo };
    issue(run, { kind: 'timer', task: owner.pointer, at: run.now + decision.delay });
    return;
  }
  const spec = (owner.task.catch ?? {}) as CatchSpec;
  if (Array.isArray(spec.do) && spec.do.length > 0) {
    thread.frames.push({ list: `${owner.pointer}/catch/do`, index: 0, data: body.input, input: body.input, role: 'catch', vars: { [spec.as ?? 'error']: error } });
    return;
  }
  finishTask(run, owner, body.input, body.input, undefined);
}

function retryPolicy(run: Run, retry: unknown): RetryPolicy | undefined {
  const resolved = typeof retry === 'string' ? (run.doc.use?.retries as Record<string, unknown> | undefined)?.[retry] : retry;
  return resolved !== null && typeof resolved === 'object' ? (resolved as RetryPolicy) : undefined;
}

function retryAllowed(run: Run, owner: TaskRef, policy: RetryPolicy, body: Frame, error: WorkflowError, vars: Record<string, unknown>): boolean {
  const attempt = body.attempt ?? 1;
  const count = policy.limit?.attempt?.count;
  if (typeof count === 'number' && attempt > count) return false;
  const delay = retryDelay(policy, attempt);
  const limit = policy.limit?.duration === undefined ? undefined : durationMs(policy.limit.duration);
  if (limit !== undefined && run.now + delay - (body.first_attempt_at ?? run.now) > limit) return false;
  if (policy.when !== undefined && !condition(run, policy.when, error, vars, owner.pointer)) return false;
  if (policy.exceptWhen !== undefined && condition(run, policy.exceptWhen, error, vars, owner.pointer)) return false;
  return count !== undefined || limit !== undefined;
}

/** The delay before retry number `attempt` (1 = the first retry). */
export function retryDelay(policy: RetryPolicy, attempt: number): number {
  const base = policy.delay === undefined ? 0 : (durationMs(policy.delay) ?? 0);
  const backoff = policy.backoff ?? {};
  if ('exponential' in backoff) return base * 2 ** (attempt - 1);
  if ('linear' in backoff) return base * attempt;
  return base;
}
