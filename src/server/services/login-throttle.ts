// Slows password guessing without letting anyone lock a known user out:
// - per (identity provider, username, client address): after `perAddress` failures within
//   `windowMs`, that address is refused for that user (429, Retry-After) until the oldest of
//   them leaves the window. A success from the address clears its count. IPv6 addresses count
//   per /64, which one host typically holds whole.
// - per (identity provider, username), across all addresses: once the user has `slowAfter`
//   failures within the window, attempts from addresses that have themselves failed for that
//   user are paced — one per `paceMs`, doubling for each further `slowAfter` failures up to
//   `maxPaceMs` — and wait their turn (up to `maxWaitMs`; a longer queue answers 429). This
//   ceiling only slows: an address that has not failed for the user is never paced or refused,
//   so the real user, from their own machine, gets in with the right password.
// Failures and turns are in the store (failure-log.ts), so every replica counts the same
// attempts: an attacker spreading guesses over replicas gets no more of them.
import { isIPv6 } from 'node:net';
import type { Clock } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import { FailureLog } from './failure-log.js';
import { TooManyAttempts } from './failure-window.js';

export { TooManyAttempts } from './failure-window.js';

export interface LoginAttempt {
  /** The identity provider's id. */
  provider: string;
  username: string;
  /** The client's address (client-address.ts). */
  address: string;
}

export interface LoginThrottleOptions {
  perAddress?: number;
  windowMs?: number;
  slowAfter?: number;
  paceMs?: number;
  maxPaceMs?: number;
  maxWaitMs?: number;
  /** How a paced attempt waits; tests pass one that advances their clock. */
  sleep?: (ms: number) => Promise<void>;
}

export const LOGIN_THROTTLE_DEFAULTS = {
  perAddress: 10,
  windowMs: 15 * 60_000,
  slowAfter: 10,
  paceMs: 1_000,
  maxPaceMs: 16_000,
  maxWaitMs: 30_000,
} as const;

export class LoginThrottle {
  private readonly settings: Required<Omit<LoginThrottleOptions, 'sleep'>>;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly byAddress: FailureLog;
  private readonly byUser: FailureLog;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    options: LoginThrottleOptions = {},
  ) {
    const { sleep, ...rest } = options;
    this.settings = { ...LOGIN_THROTTLE_DEFAULTS, ...rest };
    this.sleep = sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    const { perAddress, windowMs, slowAfter, paceMs, maxPaceMs } = this.settings;
    this.byAddress = new FailureLog(store, clock, { scope: 'password:address', limit: perAddress, windowMs });
    // Counts far enough to reach the slowest pace; more failures change nothing.
    const doublings = Math.max(0, Math.ceil(Math.log2(maxPaceMs / paceMs)));
    this.byUser = new FailureLog(store, clock, { scope: 'password:user', limit: slowAfter * (1 + doublings), windowMs });
  }

  /**
   * Before a password is checked: refuses an address that failed too often for this user, and
   * makes an address that failed before wait its turn while the user is under attack.
   */
  async admit(attempt: LoginAttempt): Promise<void> {
    const addressKey = keyOfAddress(attempt);
    await this.byAddress.check(addressKey);
    if ((await this.byAddress.count(addressKey)) === 0) return;
    const userKey = keyOfUser(attempt);
    const failures = await this.byUser.count(userKey);
    const { slowAfter, paceMs, maxPaceMs, maxWaitMs } = this.settings;
    if (failures < slowAfter) return;
    const pace = Math.min(paceMs * 2 ** Math.floor((failures - slowAfter) / slowAfter), maxPaceMs);
    const now = this.clock.now();
    // One statement takes the turn, so replicas queue their attempts in one line.
    const turn = await this.store.loginFailures.takeTurn(this.byUser.digest(userKey), now, pace, maxWaitMs);
    if (!turn.taken) {
      throw new TooManyAttempts(Math.max(1, Math.ceil((turn.slotMs - now - maxWaitMs) / 1000)), 'too many failed logins for this user; try again later');
    }
    if (turn.slotMs > now) await this.sleep(turn.slotMs - now);
  }

  async fail(attempt: LoginAttempt): Promise<void> {
    await this.byAddress.fail(keyOfAddress(attempt));
    await this.byUser.fail(keyOfUser(attempt));
  }

  /** A success clears its address's failures, not the user's: only the attacker's addresses stay paced. */
  async succeed(attempt: LoginAttempt): Promise<void> {
    await this.byAddress.succeed(keyOfAddress(attempt));
  }
}

function keyOfUser(attempt: LoginAttempt): string {
  return `${attempt.provider}\u0000${attempt.username}`;
}

function keyOfAddress(attempt: LoginAttempt): string {
  return `${keyOfUser(attempt)}\u0000${addressGroup(attempt.address)}`;
}

/** An IPv4 address as is; an IPv6 address by its /64 (`2001:db8:0:1::/64`). */
export function addressGroup(address: string): string {
  const bare = address.replace(/%.*$/, '');
  if (!isIPv6(bare)) return address;
  const [head = '', tail] = bare.split('::');
  const groups = (part: string | undefined) => (part === undefined || part === '' ? [] : part.split(':'));
  // A dotted IPv4 tail stands for two groups.
  const width = (list: string[]) => list.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const left = groups(head);
  const right = groups(tail);
  const full = tail === undefined ? left : [...left, ...Array<string>(8 - width(left) - width(right)).fill('0'), ...right];
  return `${full
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
