// The one SQLite connection's scheduler. A store call runs at once when nothing is open;
// otherwise it waits in a queue, and a flusher runs the queued calls back to back inside ONE
// `BEGIN IMMEDIATE … COMMIT`, each in its own SAVEPOINT: a call that throws rolls back only its
// own writes, and every caller is answered only after the COMMIT that holds its writes
// (acknowledged ⇒ committed). One commit for many transactions is what makes a burst cheap: a
// thousand leases expiring together cost a few commits, not a thousand.
import type BetterSqlite3 from 'better-sqlite3';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { toIntegrityError } from './errors.js';
import type { StoreStats } from './types.js';

/** One run of a queued call; its transaction store works only while `active`. */
export interface Attempt {
  readonly active: boolean;
}

export interface GroupCommitLimits {
  /** At most this many calls share one COMMIT. */
  maxCalls: number;
  /** No further call joins a batch that has been open this long (ms), so latency stays low. */
  maxBatchMs: number;
}

const DEFAULT_LIMITS: GroupCommitLimits = { maxCalls: 500, maxBatchMs: 10 };

interface QueuedCall {
  /** A transaction fn (async) or a plain repository call (sync). May run more than once: see retry. */
  run(attempt: Attempt): unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  /** Runs in a batch of its own (a retry after its batch failed to commit). */
  alone: boolean;
  value?: unknown;
}

export class GroupCommit {
  private readonly queue: QueuedCall[] = [];
  /** True from the first BEGIN until the queue is empty: plain calls must then queue too. */
  private flushing = false;
  private idleWaiters: (() => void)[] = [];
  /** Calls of the open batch that succeeded and wait for its COMMIT. */
  private batch: QueuedCall[] = [];
  private readonly counters: StoreStats = { commits: 0, committed: 0, rolledBack: 0, commitFailures: 0, largestBatch: 0 };
  private readonly limits: GroupCommitLimits;
  private readonly begin: BetterSqlite3.Statement;
  private readonly commit: BetterSqlite3.Statement;
  private readonly rollback: BetterSqlite3.Statement;
  private readonly savepoint: BetterSqlite3.Statement;
  private readonly release: BetterSqlite3.Statement;
  private readonly rollbackToSavepoint: BetterSqlite3.Statement;

  constructor(
    private readonly db: BetterSqlite3.Database,
    limits: Partial<GroupCommitLimits> = {},
  ) {
    this.limits = { maxCalls: limits.maxCalls ?? DEFAULT_LIMITS.maxCalls, maxBatchMs: limits.maxBatchMs ?? DEFAULT_LIMITS.maxBatchMs };
    // BEGIN IMMEDIATE takes the write lock up front (waiting up to busy_timeout), so a batch
    // cannot fail half-way with SQLITE_BUSY because another process writes the same file.
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    // Calls run one after another, never nested (tx.transaction() runs inline), so one name does.
    this.savepoint = db.prepare('SAVEPOINT call');
    this.release = db.prepare('RELEASE call');
    this.rollbackToSavepoint = db.prepare('ROLLBACK TO call');
  }

  /**
   * A plain store call. With nothing open or queued it runs now, in autocommit (better-sqlite3
   * is synchronous, so nothing can interleave). Otherwise it queues behind what is open, so it
   * never runs inside someone else's transaction and sees what was queued before it.
   */
  call<T>(op: () => T): Promise<T> {
    if (this.flushing) return this.enqueue(op);
    try {
      return Promise.resolve(op());
    } catch (err) {
      return Promise.reject(toIntegrityError(err));
    }
  }

  /** Queues fn as one transaction; if nothing is running it starts now, without any timer. */
  transaction<T>(fn: (attempt: Attempt) => Promise<T>): Promise<T> {
    const answer = this.enqueue<T>(fn);
    if (!this.flushing) void this.flush();
    return answer;
  }

  stats(): StoreStats {
    return { ...this.counters };
  }

  /** Resolves once every queued call has been answered. */
  idle(): Promise<void> {
    if (!this.flushing) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue<T>(run: (attempt: Attempt) => unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (value: unknown) => void, reject, alone: false });
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      for (;;) {
        try {
          await this.runBatch();
        } catch (err) {
          this.abandon(err);
        }
        if (this.queue.length === 0) break;
        // Let I/O and timers run between batches; callers answered by this commit queue their
        // next calls meanwhile, and those join the next batch.
        await yieldToEventLoop();
        if (this.queue.length === 0) break;
      }
    } finally {
      this.flushing = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Runs queued calls inside one BEGIN … COMMIT, up to the limits, and answers them. */
  private async runBatch(): Promise<void> {
    const done: QueuedCall[] = (this.batch = []);
    try {
      this.begin.run();
    } catch (err) {
      // The write lock stayed taken past busy_timeout: every queued call would wait as long.
      for (const call of this.queue.splice(0)) call.reject(toIntegrityError(err));
      return;
    }
    const started = performance.now();
    const alone = this.queue[0]?.alone ?? false;
    let ran = 0;
    while (this.queue.length > 0 && ran < this.limits.maxCalls) {
      if (ran > 0 && (alone || this.queue[0]!.alone || performance.now() - started >= this.limits.maxBatchMs)) break;
      const call = this.queue.shift()!;
      ran += 1;
      const attempt = { active: true };
      this.savepoint.run();
      try {
        let value = call.run(attempt);
        if (isThenable(value)) value = await value;
        attempt.active = false;
        this.release.run();
        call.value = value;
        done.push(call);
      } catch (err) {
        attempt.active = false;
        this.counters.rolledBack += 1;
        call.reject(toIntegrityError(err));
        if (!this.undoCall()) {
          // SQLite rolled the whole transaction back (disk full, I/O error...): the calls that
          // had succeeded lost their writes too. Run them again, each alone.
          if (this.db.inTransaction) this.rollback.run();
          this.retryAlone(done);
          return;
        }
      }
    }

    try {
      this.commit.run();
    } catch (err) {
      // A deferred foreign key (or an I/O error) failed the COMMIT, so nothing of the batch was
      // written. Re-run its calls one per transaction: only the culprit fails.
      if (this.db.inTransaction) this.rollback.run();
      this.counters.commitFailures += 1;
      if (done.length === 1) done[0]!.reject(toIntegrityError(err));
      else this.retryAlone(done);
      return;
    }
    this.counters.commits += 1;
    this.counters.committed += done.length;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, done.length);
    for (const call of done) call.resolve(call.value);
  }

  /** Rolls back the current call's writes, keeping the batch's. False if the batch is lost. */
  private undoCall(): boolean {
    if (!this.db.inTransaction) return false;
    try {
      this.rollbackToSavepoint.run();
      this.release.run();
      return true;
    } catch {
      return false; // the savepoint is gone with the transaction: the caller rolls the batch back
    }
  }

  /**
   * Last resort for an error the batch logic does not expect (a broken connection, a bug): no
   * caller is left waiting, and the next call starts afresh.
   */
  private abandon(err: unknown): void {
    const calls = [...this.batch, ...this.queue.splice(0)];
    this.batch = [];
    let reason = err;
    if (this.db.inTransaction) {
      try {
        this.rollback.run();
      } catch (rollbackErr) {
        reason = new AggregateError([err, rollbackErr], 'the store could not roll back a failed batch');
      }
    }
    for (const call of calls) call.reject(reason);
  }

  private retryAlone(calls: QueuedCall[]): void {
    for (const call of calls) call.alone = true;
    this.queue.unshift(...calls);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
