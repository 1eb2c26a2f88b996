// Failed attempts per key within a sliding window, in memory and bounded: after `limit` failures
// for one key within `windowMs`, `check` refuses (429 with Retry-After) until the oldest of them
// leaves the window. One process's own budget (refusal-budget.ts); what replicas must count
// together (the login throttle, device-code guesses) uses failure-log.ts, in the store.
import { LeaseError, type Clock } from '../../core/index.js';

export class TooManyAttempts extends LeaseError {
  constructor(retryAfterSeconds: number, message = 'too many failed logins; try again later') {
    super('too_many_attempts', message, { status: 429, retryAfterSeconds });
  }
}

export interface FailureWindowOptions {
  limit?: number;
  windowMs?: number;
  /** Keys kept at most; past it, keys with no recent failure go first, then the least recently failed. */
  maxKeys?: number;
}

export class FailureWindow {
  readonly limit: number;
  readonly windowMs: number;
  private readonly maxKeys: number;
  /** key → failure times (epoch ms), oldest first, at most `limit`. Map order: least recently failed first. */
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    options: FailureWindowOptions = {},
  ) {
    this.limit = options.limit ?? 10;
    this.windowMs = options.windowMs ?? 5 * 60_000;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /** Refuses a key that has failed `limit` times within the window. */
  check(key: string): void {
    const recent = this.recent(key);
    if (recent.length < this.limit) return;
    const freeAt = (recent[recent.length - this.limit] as number) + this.windowMs;
    throw new TooManyAttempts(Math.max(1, Math.ceil((freeAt - this.clock.now()) / 1000)));
  }

  /** Failures of `key` within the window (at most `limit`). */
  count(key: string): number {
    return this.recent(key).length;
  }

  fail(key: string): void {
    const list = this.recent(key);
    list.push(this.clock.now());
    if (list.length > this.limit) list.splice(0, list.length - this.limit);
    this.failures.delete(key);
    this.failures.set(key, list);
    if (this.failures.size > this.maxKeys) this.shrink();
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  /** Keys held now (for tests of the bound). */
  get size(): number {
    return this.failures.size;
  }

  private recent(key: string): number[] {
    const since = this.clock.now() - this.windowMs;
    return (this.failures.get(key) ?? []).filter((t) => t > since);
  }

  /** Drops keys with no failure in the window; still too many, the least recently failed, down to 90 %. */
  private shrink(): void {
    for (const key of [...this.failures.keys()]) if (this.recent(key).length === 0) this.failures.delete(key);
    const target = Math.floor(this.maxKeys * 0.9);
    for (const key of this.failures.keys()) {
      if (this.failures.size <= target) break;
      this.failures.delete(key);
    }
  }
}
