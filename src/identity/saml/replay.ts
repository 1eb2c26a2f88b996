// Assertion ids already accepted, so the same assertion cannot log in twice — on any replica.
//
// The server keeps them in the store (`StoredSeenAssertions`, over the single-use keys every
// replica shares): an assertion accepted by one replica is refused by all the others, as long as
// it could still pass the time checks. Each id is kept until its assertion's expiry plus the clock
// skew, after which the time checks refuse it anyway; expired ids are pruned. Keys are stored as
// SHA-256 digests. `SeenAssertions` (memory, one process, capped) is for a provider built without
// a store (tests, tools); when it is full of live ids it refuses logins (fail closed) rather than
// forgetting one early.
import { createHash } from 'node:crypto';
import type { Clock } from '../../core/index.js';
import type { SeenKeys } from '../../providers/index.js';

export const DEFAULT_SEEN_ASSERTIONS_LIMIT = 100_000;

export interface AssertionReplayGuard {
  /**
   * Records `key` (issuer + assertion id) as used until `untilMs`. Answers 'fresh' the first time,
   * 'replayed' when it was already used, 'full' when nothing can be recorded (the caller refuses).
   */
  remember(key: string, untilMs: number): Promise<'fresh' | 'replayed' | 'full'>;
}

export class StoredSeenAssertions implements AssertionReplayGuard {
  constructor(private readonly keys: SeenKeys) {}

  async remember(key: string, untilMs: number): Promise<'fresh' | 'replayed'> {
    const digest = createHash('sha256').update(key).digest('base64url');
    return (await this.keys.claim(`saml-assertion:${digest}`, untilMs)) ? 'fresh' : 'replayed';
  }
}

export class SeenAssertions implements AssertionReplayGuard {
  private readonly untilMs = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly limit = DEFAULT_SEEN_ASSERTIONS_LIMIT,
  ) {}

  async remember(key: string, untilMs: number): Promise<'fresh' | 'replayed' | 'full'> {
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
