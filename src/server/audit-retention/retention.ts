// Audit retention: entries older than `audit.retention.days` (default 90) are deleted behind a
// signed checkpoint, so what remains still verifies. Rules:
// - never the last entry (the next append links to it);
// - with require_forwarded (default), never an entry a configured forwarder has not delivered;
// - the checkpoint is written before anything is deleted, and the prune itself is audited
//   (`audit.pruned`), so the cut is visible in the log and at every forwarder.
// Archive first (`lease audit export`) what must be kept longer than the retention.
import { alwaysMine, type DutyCheck } from '../duty.js';
import type { KeyObject } from 'node:crypto';
import { signCheckpoint } from '../../audit/index.js';
import { toIso, type Clock, type Logger } from '../../core/index.js';
import type { Store } from '../../store/index.js';

export const DEFAULT_RETENTION_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;
const SCAN_PAGE = 1000;

export interface PruneOptions {
  store: Store;
  clock: Clock;
  key: KeyObject;
  /** Entries written before this time may go. */
  before: number;
  /** Forwarders whose positions bound the prune (empty: none configured, or not required). */
  forwarders: readonly string[];
}

export interface PruneResult {
  /** The last pruned seq (the new checkpoint), or null when nothing could be pruned. */
  through_seq: number | null;
  deleted: number;
  /** Why fewer entries than asked were pruned, if so. */
  held_by?: 'forwarder';
}

/** Prunes what the rules allow before `before`; audits the prune as `audit.pruned`. */
export async function pruneAuditLog(options: PruneOptions, actor = 'lease'): Promise<PruneResult> {
  const { store, clock, key, before, forwarders } = options;
  const head = await store.audit.head();
  const current = await store.audit.checkpoint();
  if (!head) return { through_seq: null, deleted: 0 };
  let limit = head.seq - 1;
  let heldBy: PruneResult['held_by'];
  for (const name of forwarders) {
    const position = (await store.auditCursors.get(name)) ?? 0;
    if (position < limit) {
      limit = position;
      heldBy = 'forwarder';
    }
  }
  const last = await lastEntryBefore(store, toIso(before - 1), current?.seq ?? 0, limit);
  if (!last) return { through_seq: null, deleted: 0, ...(heldBy ? { held_by: heldBy } : {}) };
  const checkpoint = signCheckpoint({ seq: last.seq, hash: last.hash, ts: last.ts, created_at: toIso(clock.now()) }, key);
  const deleted = await store.audit.prune(checkpoint);
  await store.audit.append({ actor, action: 'audit.pruned', subject: null, data: { through_seq: last.seq, hash: last.hash, ts: last.ts, count: deleted, key_id: checkpoint.key_id } });
  return { through_seq: last.seq, deleted };
}

/** The last entry after `afterSeq`, at most `maxSeq`, written at or before `until`. */
async function lastEntryBefore(store: Store, until: string, afterSeq: number, maxSeq: number) {
  let found: { seq: number; hash: string; ts: string } | undefined;
  let cursor = afterSeq;
  for (;;) {
    const page = await store.audit.list({ afterSeq: cursor, until, limit: SCAN_PAGE });
    for (const entry of page) if (entry.seq <= maxSeq) found = entry;
    const lastSeq = page.at(-1)?.seq;
    if (page.length < SCAN_PAGE || lastSeq === undefined || lastSeq >= maxSeq) return found;
    cursor = lastSeq;
  }
}

/** Prunes by `audit.retention.days` now and then (every 6 hours, first a minute after start). */
export class AuditRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly deps: { store: Store; clock: Clock; logger: Logger; key: () => Promise<KeyObject>; days: number; forwarders: readonly string[]; firstAfterMs?: number; everyMs?: number; /** Whether this replica prunes now (one replica at a time does). */ isMine?: DutyCheck },
  ) {}

  start(): void {
    const tick = (delay: number) => {
      this.timer = setTimeout(() => {
        this.running = (this.deps.isMine ?? alwaysMine)()
          .then((mine) => (mine ? this.runOnce() : undefined))
          .catch((err: unknown) => this.deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'audit retention: prune failed; will retry'))
          .finally(() => tick(this.deps.everyMs ?? 6 * 60 * 60 * 1000));
      }, delay);
      this.timer.unref();
    };
    tick(this.deps.firstAfterMs ?? 60_000);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.running;
  }

  async runOnce(): Promise<PruneResult> {
    const { store, clock, logger, days, forwarders } = this.deps;
    const result = await pruneAuditLog({ store, clock, key: await this.deps.key(), before: clock.now() - days * DAY_MS, forwarders });
    if (result.deleted > 0) logger.info({ through_seq: result.through_seq, deleted: result.deleted }, 'audit retention: pruned behind a signed checkpoint');
    if (result.held_by === 'forwarder') logger.warn({ forwarders }, 'audit retention: entries past the retention are kept until every forwarder has delivered them');
    return result;
  }
}
