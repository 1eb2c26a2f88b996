// One background duty of a deployment (the reconciler, an audit forwarder, requester mails…),
// done by one replica at a time: its loop asks `mine()` on every round and skips the round when
// another replica holds the duty. See store/duty-locks.ts.
import type { Logger } from '../core/index.js';
import type { DutyHold, DutyLocks } from '../store/index.js';

/** Answers whether this process does the duty now; the loops that run duties take one of these. */
export type DutyCheck = () => Promise<boolean>;

/** For loops run outside a server (tests, tools): the duty is always this process's. */
export const alwaysMine: DutyCheck = () => Promise.resolve(true);

export class Duty {
  private hold: DutyHold | undefined;

  constructor(
    private readonly locks: DutyLocks,
    readonly name: string,
    private readonly logger: Logger,
  ) {}

  /** True when this process holds the duty, taking it if it is free. */
  async mine(): Promise<boolean> {
    if (this.hold?.held) return true;
    if (this.hold) {
      this.logger.warn({ duty: this.name }, 'background duty lost; taking it again when it is free');
      this.hold = undefined;
    }
    try {
      this.hold = await this.locks.tryHold(this.name);
    } catch (err) {
      this.logger.warn({ duty: this.name, err: err instanceof Error ? err.message : String(err) }, 'background duty: cannot take its lock; will retry');
      return false;
    }
    if (this.hold) this.logger.info({ duty: this.name }, 'background duty taken: this process does it');
    return this.hold !== undefined;
  }

  /** Lets another replica take the duty (at shutdown, once the loop has stopped). */
  async release(): Promise<void> {
    await this.hold?.release();
    this.hold = undefined;
  }

  get check(): DutyCheck {
    return () => this.mine();
  }
}
