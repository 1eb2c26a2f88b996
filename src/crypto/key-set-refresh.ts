// A key set file another process may replace while this one runs: a replica sharing the data
// directory, `lease keys rotate` / `revoke`, or a mounted secret updated by the platform. Each
// write is an atomic rename (private-file.ts), so a changed file has a new inode, size or mtime.
// The holder asks `poll()` before using its keys: the file is looked at (one stat) at most every
// `checkMs`, and, when a key id is unknown (a token from a replica that rotated), at most every
// `missMs`; a changed file is read again. A file that cannot be read (a KMS briefly unreachable)
// keeps the keys in memory and is tried again at the next poll.
import { stat } from 'node:fs/promises';
import type { KeyEntry } from './key-set-file.js';

export interface KeySetRefreshIntervals {
  /** How often a key set in use is compared with its file (revocations reach every process within it). */
  checkMs: number;
  /** How often an unknown key id may cause a look at the file. */
  missMs: number;
}

export const KEY_SET_REFRESH_DEFAULTS: KeySetRefreshIntervals = { checkMs: 10_000, missMs: 1_000 };

export class KeySetRefresher {
  private signature: string | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private missedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly file: string,
    private readonly read: () => Promise<KeyEntry[] | null>,
    private readonly now: () => number,
    private readonly intervals: KeySetRefreshIntervals = KEY_SET_REFRESH_DEFAULTS,
  ) {}

  /** Records the file as it is now (after this process read or wrote it). */
  async remember(): Promise<void> {
    this.signature = await signatureOf(this.file);
    this.checkedAt = this.now();
  }

  /** The file's entries when it changed since last seen, else undefined. `miss`: a key id was unknown. */
  async poll(miss = false): Promise<KeyEntry[] | undefined> {
    const now = this.now();
    if (miss ? now - this.missedAt < this.intervals.missMs : now - this.checkedAt < this.intervals.checkMs) return undefined;
    if (miss) this.missedAt = now;
    this.checkedAt = now;
    const signature = await signatureOf(this.file);
    if (signature === undefined || signature === this.signature) return undefined;
    let entries: KeyEntry[] | null;
    try {
      entries = await this.read();
    } catch {
      return undefined; // kept as it was; the next poll tries again
    }
    if (entries === null || entries.length === 0) return undefined;
    this.signature = signature;
    return entries;
  }
}

async function signatureOf(file: string): Promise<string | undefined> {
  try {
    const s = await stat(file, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch {
    return undefined;
  }
}
