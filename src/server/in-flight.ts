// Counts the HTTP calls being answered, so a shutdown can wait for them to finish before it
// stops the engine and closes the store they use.
import type { MiddlewareHandler } from 'hono';

export class InFlightCalls {
  private count = 0;
  private idleWaiters: Array<() => void> = [];

  readonly middleware: MiddlewareHandler = async (_c, next) => {
    this.count++;
    try {
      await next();
    } finally {
      this.count--;
      if (this.count === 0) this.wakeIdle();
    }
  };

  get size(): number {
    return this.count;
  }

  /** Resolves once no call is being answered. */
  idle(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
