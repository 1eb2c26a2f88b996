// Checks a stream of audit entries, in seq order, against the chain rules. Pure: the store feeds
// it pages, so a log of any length is verified in constant memory.
import { GENESIS_HASH, hashAuditEntry, type AuditHashInput } from './hash.js';

export interface ChainedEntry extends AuditHashInput {
  prev_hash: string;
  hash: string;
}

export interface ChainBreak {
  seq: number;
  message: string;
}

/** Where a verification starts: after a checkpoint (the last pruned entry), or at the genesis. */
export interface ChainStart {
  seq: number;
  hash: string;
}

export class ChainVerifier {
  private expectedSeq: number;
  private expectedPrev: string;
  private checked = 0;

  /** From the genesis (seq 1), or from the entry after `start` (a pruned log, an archive). */
  constructor(start?: ChainStart) {
    this.expectedSeq = (start?.seq ?? 0) + 1;
    this.expectedPrev = start?.hash ?? GENESIS_HASH;
  }

  /** Number of entries accepted so far. */
  get count(): number {
    return this.checked;
  }

  /**
   * Returns the first rule `entry` breaks, or undefined. Rules: seqs run 1, 2, 3... (or on from the start)
   * without gaps; prev_hash equals the previous entry's hash (the start's, or genesis, for the first); hash matches the content.
   */
  check(entry: ChainedEntry): ChainBreak | undefined {
    if (entry.seq !== this.expectedSeq) {
      return { seq: entry.seq, message: `expected seq ${this.expectedSeq}, found ${entry.seq}: entries are missing` };
    }
    if (entry.prev_hash !== this.expectedPrev) {
      return { seq: entry.seq, message: `prev_hash of seq ${entry.seq} does not match the hash of the entry before it` };
    }
    if (hashAuditEntry(entry.prev_hash, entry) !== entry.hash) {
      return { seq: entry.seq, message: `hash of seq ${entry.seq} does not match its content` };
    }
    this.expectedSeq = entry.seq + 1;
    this.expectedPrev = entry.hash;
    this.checked += 1;
    return undefined;
  }
}
