// A few quick retries of a transient failure inside one provider call; the workflow runtime's
// activity retries (with longer backoff) take over when these run out.
import { TargetUnavailable } from './errors.js';

export interface RetryOptions {
  /** Attempts in all (default 3). */
  attempts?: number;
  /** First backoff; doubled each time, with jitter (default 200 ms). */
  baseDelayMs?: number;
  /** Longest single wait, Retry-After included (default 5 s). */
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `call`, again after a TargetUnavailable, up to `attempts` times; other errors pass through at once. */
export async function withRetries<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 3;
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 5_000;
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof TargetUnavailable) || attempt >= attempts) throw err;
      const backoff = base * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
      await sleep(Math.min(max, Math.max(backoff, (err.retryAfterSeconds ?? 0) * 1000)));
    }
  }
}
