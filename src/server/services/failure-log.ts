// Failed attempts per key within a sliding window, kept in the store so every replica counts
// them together: after `limit` failures for one key within `windowMs`, `check` refuses (429
// with Retry-After) until the oldest of them leaves the window. Used for password logins
// (login-throttle.ts) and device user-code guesses. Keys reach the store only as SHA-256
// digests, prefixed by the log's scope so two logs never share a count.
import { createHash } from 'node:crypto';
import type { Clock } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import { TooManyAttempts } from './failure-window.js';

export interface FailureLogOptions {
  /** Names the log (`password:address`, `device:client`...): part of every stored key. */
  scope: string;
  limit?: number;
  windowMs?: number;
}

export class FailureLog {
  readonly limit: number;
  readonly windowMs: number;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly options: FailureLogOptions,
  ) {
    this.limit = options.limit ?? 10;
    this.windowMs = options.windowMs ?? 5 * 60_000;
  }

  /** Refuses a key that has failed `limit` times within the window. */
  async check(key: string): Promise<void> {
    const now = this.clock.now();
    const recent = await this.store.loginFailures.recent(this.digest(key), now, this.limit);
    if (recent.length < this.limit) return;
    const freeAt = (recent[this.limit - 1] as number) + this.windowMs;
    throw new TooManyAttempts(Math.max(1, Math.ceil((freeAt - now) / 1000)));
  }

  /** Failures of `key` within the window (at most `limit`). */
  async count(key: string): Promise<number> {
    return (await this.store.loginFailures.recent(this.digest(key), this.clock.now(), this.limit)).length;
  }

  async fail(key: string): Promise<void> {
    const now = this.clock.now();
    await this.store.loginFailures.add(this.digest(key), now, now + this.windowMs);
  }

  async succeed(key: string): Promise<void> {
    await this.store.loginFailures.clear(this.digest(key));
  }

  /** The stored form of `key` in this log (the pacing of login-throttle.ts uses it too). */
  digest(key: string): string {
    return createHash('sha256').update(`${this.options.scope}\u0000${key}`).digest('base64url');
  }
}
