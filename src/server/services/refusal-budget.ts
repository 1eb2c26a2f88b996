// Anyone can make Lease refuse an unauthenticated callback (a Slack interaction with a bad
// signature) as often as they like. Each refusal is worth an audit entry, but not without bound:
// the audit log is append-only and kept. Per client address (IPv6 by its /64) the first
// `perAddress` refusals within `windowMs` are audited one by one, and at most `overall` from
// everyone; past either, the caller gets 429 with Retry-After, and only the first refusal past the
// limit is audited (that the address is now throttled), until the window frees. A valid callback
// is never throttled: the budget is only spent once a callback has been refused.
// In memory, per server process, bounded in size (failure-window.ts).
import type { Clock } from '../../core/index.js';
import { FailureWindow, TooManyAttempts } from './failure-window.js';
import { addressGroup } from './login-throttle.js';

export interface RefusalBudgetOptions {
  perAddress?: number;
  overall?: number;
  windowMs?: number;
  maxKeys?: number;
}

export const REFUSAL_BUDGET_DEFAULTS = { perAddress: 20, overall: 200, windowMs: 5 * 60_000, maxKeys: 10_000 } as const;

/** What to do with one refusal: audit it, audit that its address is now throttled, or only answer 429. */
export type RefusalVerdict = { audit: 'refusal' } | { audit: 'throttled' | 'none'; error: TooManyAttempts };

const EVERYONE = '*';

export class RefusalBudget {
  private readonly byAddress: FailureWindow;
  private readonly overall: FailureWindow;
  /** Address groups (and EVERYONE) whose throttling was audited, until their window frees. */
  private readonly announced = new Set<string>();
  private readonly maxKeys: number;

  constructor(clock: Clock, options: RefusalBudgetOptions = {}) {
    const settings = { ...REFUSAL_BUDGET_DEFAULTS, ...options };
    this.maxKeys = settings.maxKeys;
    this.byAddress = new FailureWindow(clock, { limit: settings.perAddress, windowMs: settings.windowMs, maxKeys: settings.maxKeys });
    this.overall = new FailureWindow(clock, { limit: settings.overall, windowMs: settings.windowMs, maxKeys: 1 });
  }

  /** Spends one refusal of `address`. */
  spend(address: string): RefusalVerdict {
    const key = addressGroup(address);
    const limited = this.limit(key) ?? this.limit(EVERYONE);
    if (limited) return limited;
    this.byAddress.fail(key);
    this.overall.fail(EVERYONE);
    return { audit: 'refusal' };
  }

  /** The verdict when `key` is over its limit, else undefined (and its throttling is forgotten). */
  private limit(key: string): RefusalVerdict | undefined {
    try {
      (key === EVERYONE ? this.overall : this.byAddress).check(key);
    } catch (err) {
      if (!(err instanceof TooManyAttempts)) throw err;
      const error = new TooManyAttempts(err.retryAfterSeconds ?? 1, 'too many refused callbacks from this address; try again later');
      if (this.announced.has(key)) return { audit: 'none', error };
      this.announced.add(key);
      if (this.announced.size > this.maxKeys) this.announced.delete(this.announced.values().next().value as string);
      return { audit: 'throttled', error };
    }
    this.announced.delete(key);
    return undefined;
  }
}
