// Assertion ids already accepted, so the same assertion cannot log in twice.
//
// Why memory and not the store: an assertion is only accepted in answer to one of this server's
// own pending login attempts (InResponseTo must be that attempt's AuthnRequest id, and the
// attempt is single use), and those attempts live in memory too (see server/services/
// login-attempts.ts). After a restart no attempt exists that an old assertion could answer, so
// a persisted list would protect nothing more. Each id is kept until its assertion's expiry plus
// the clock skew, after which the time checks refuse it anyway. The cap bounds memory; when it
// is full of live ids, logins are refused (fail closed) rather than forgetting one early.
import type { Clock } from '../../core/index.js';

export const DEFAULT_SEEN_ASSERTIONS_LIMIT = 100_000;

export class SeenAssertions {
  private readonly untilMs = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly limit = DEFAULT_SEEN_ASSERTIONS_LIMIT,
  ) {}

  /**
   * Records `key` (issuer + assertion id) as used until `untilMs`. Answers 'fresh' the first time,
   * 'replayed' when it was already used, 'full' when nothing can be recorded (the caller refuses).
   */
  remember(key: string, untilMs: number): 'fresh' | 'replayed' | 'full' {
    const now = this.clock.now();
    const seen = this.untilMs.get(key);
    if (seen !== undefined && seen > now) return 'replayed';
    if (this.untilMs.size >= this.limit) this.prune(now);
    if (this.untilMs.size >= this.limit) return 'full';
    this.untilMs.set(key, Math.max(untilMs, now));
    return 'fresh';
  }

  get size(): number {
    return this.untilMs.size;
  }

  private prune(now: number): void {
    for (const [key, until] of this.untilMs) if (until <= now) this.untilMs.delete(key);
  }
}
