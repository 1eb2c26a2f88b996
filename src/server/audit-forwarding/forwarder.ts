// One forwarder's delivery loop: read the log after the forwarder's position, hand a batch to its
// sink, and move the position only once the sink says the receiver has it. A crash between the
// two re-sends that batch (at least once, never lost); a receiver that is down gets everything,
// in order, when it is back. Failures back off and never touch requests or other forwarders.
import { alwaysMine, type DutyCheck } from '../duty.js';
import type { Clock, Logger } from '../../core/index.js';
import type { AuditEntry, Store } from '../../store/index.js';
import type { AuditSink, ForwarderStatus } from './types.js';

export interface ForwarderOptions {
  name: string;
  type: string;
  sink: AuditSink;
  store: Store;
  logger: Logger;
  clock: Clock;
  batchSize: number;
  /** The event sent for an entry (the lease.audit.v1 envelope, or OCSF). */
  format: (entry: AuditEntry) => Record<string, unknown>;
  /** How often the log is read when nothing woke the loop (entries of other processes). */
  pollMs: number;
  /** Backoff after a failure: doubles from minBackoffMs up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Whether this replica forwards now (one replica at a time does); the others only report status. */
  isMine?: DutyCheck;
}

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 60_000;

export class AuditForwarder {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** Set by wake() so that a wake-up between a read and the next sleep is not lost. */
  private woken = false;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private lastError: string | undefined;
  private failingSince: number | undefined;
  private lastDeliveredAt: number | undefined;
  private delivered = 0;

  constructor(private readonly options: ForwarderOptions) {}

  get name(): string {
    return this.options.name;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** New entries may be there: read now (unless backing off after a failure). */
  wake(): void {
    if (this.failures > 0) return;
    this.woken = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.loop;
    await this.options.sink.close();
  }

  async status(): Promise<ForwarderStatus> {
    const { store, name, type } = this.options;
    const [position, head] = await Promise.all([store.auditCursors.get(name), store.audit.head()]);
    const seq = position ?? 0;
    return {
      name,
      type,
      position: seq,
      head: head?.seq ?? 0,
      lag: Math.max(0, (head?.seq ?? 0) - seq),
      state: this.failures > 0 ? 'failing' : 'ok',
      delivered: this.delivered,
      ...(this.lastDeliveredAt !== undefined ? { last_delivered_at: new Date(this.lastDeliveredAt).toISOString() } : {}),
      ...(this.lastError !== undefined && this.failures > 0 ? { last_error: this.lastError } : {}),
      ...(this.failingSince !== undefined ? { failing_since: new Date(this.failingSince).toISOString() } : {}),
    };
  }

  private async run(): Promise<void> {
    const { logger, name } = this.options;
    while (!this.stopped) {
      if (!(await (this.options.isMine ?? alwaysMine)())) {
        await this.sleep(this.options.pollMs);
        continue;
      }
      let idle: boolean;
      try {
        idle = !(await this.deliverNext());
      } catch (err) {
        this.failures += 1;
        this.failingSince ??= this.options.clock.now();
        this.lastError = errorText(err);
        const delay = Math.min(this.options.maxBackoffMs ?? MAX_BACKOFF_MS, (this.options.minBackoffMs ?? MIN_BACKOFF_MS) * 2 ** Math.min(this.failures - 1, 20));
        const lag = await this.lag().catch(() => undefined);
        logger.warn({ forwarder: name, err: this.lastError, attempt: this.failures, retry_in_ms: delay, lag }, 'audit forwarder: delivery failed; will retry');
        await this.sleep(delay);
        continue;
      }
      if (this.failures > 0) {
        logger.info({ forwarder: name, after_attempts: this.failures }, 'audit forwarder: delivering again');
        this.failures = 0;
        this.failingSince = undefined;
      }
      if (idle && !this.woken) await this.sleep(this.options.pollMs);
    }
  }

  /** Sends the next batch; false when there was nothing to send. */
  private async deliverNext(): Promise<boolean> {
    const { store, name, sink, batchSize, format, logger } = this.options;
    this.woken = false;
    const after = (await store.auditCursors.get(name)) ?? 0;
    const entries = await store.audit.list({ afterSeq: after, limit: batchSize });
    if (entries.length === 0 || this.stopped) return false;
    const first = entries[0]!;
    if (first.seq !== after + 1) {
      // Only possible when retention was told not to wait for forwarders (require_forwarded: false).
      logger.warn({ forwarder: name, missing_from: after + 1, missing_to: first.seq - 1 }, 'audit forwarder: entries were pruned before this forwarder delivered them');
    }
    await sink.deliver(entries.map(format));
    const last = entries.at(-1)!;
    await store.auditCursors.advance(name, last.seq);
    this.delivered += entries.length;
    this.lastDeliveredAt = this.options.clock.now();
    return true;
  }

  private async lag(): Promise<number> {
    const [position, head] = await Promise.all([this.options.store.auditCursors.get(this.options.name), this.options.store.audit.head()]);
    return Math.max(0, (head?.seq ?? 0) - (position ?? 0));
  }

  /** Waits `ms`, or until wake() or stop(). */
  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(this.timer);
        this.wakeUp = undefined;
        resolve();
      };
      this.wakeUp = done;
      this.timer = setTimeout(done, ms);
      this.timer.unref?.();
    });
  }
}

/** A failure's message for the log: the sinks' errors name the receiver and the status, never a secret. */
function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
