// What a forwarder's sink does, and the status a forwarder reports.

/** Where a forwarder sends events. deliver resolves only once the receiver has the batch. */
export interface AuditSink {
  /** Sends the events, in order; throws (with a message naming the receiver, never a secret) to retry the batch later. */
  deliver(events: readonly Record<string, unknown>[]): Promise<void>;
  close(): Promise<void>;
}

export interface ForwarderStatus {
  name: string;
  type: string;
  /** The last seq the receiver acknowledged (0: nothing yet). */
  position: number;
  /** The last seq in the log. */
  head: number;
  /** Entries not yet delivered. */
  lag: number;
  state: 'ok' | 'failing';
  /** Entries this process delivered since it started. */
  delivered: number;
  last_delivered_at?: string;
  last_error?: string;
  failing_since?: string;
}
