// Slows password guessing: after `limit` failures for one username within `windowMs`, further
// attempts are refused (429) until the window passes. In memory: per server process.
import { LeaseError, type Clock } from '../../core/index.js';

export class TooManyAttempts extends LeaseError {
  constructor() {
    super('too_many_attempts', 'too many failed logins; try again later', { status: 429 });
  }
}

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly clock: Clock, private readonly limit = 10, private readonly windowMs = 5 * 60_000) {}

  check(key: string): void {
    if (this.recent(key).length >= this.limit) throw new TooManyAttempts();
  }

  fail(key: string): void {
    const list = this.recent(key);
    list.push(this.clock.now());
    this.failures.set(key, list);
    if (this.failures.size > 10_000) this.prune();
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string): number[] {
    const since = this.clock.now() - this.windowMs;
    return (this.failures.get(key) ?? []).filter((t) => t > since);
  }

  private prune(): void {
    for (const key of [...this.failures.keys()]) if (this.recent(key).length === 0) this.failures.delete(key);
  }
}
