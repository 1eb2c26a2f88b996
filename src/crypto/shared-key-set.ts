// A key set kept in a file that several processes share: replicas on one data directory or one
// mounted secret, and `lease keys rotate` / `revoke` run beside them. The session keys and the
// Temporal payload keys are both one of these; they differ only in which keys may decrypt.
// Every change is made on top of the file as it is now (read-modify-write) and written by an
// atomic rename; changes by other processes are taken in through a KeySetRefresher.
import { newId, toIso, type Clock } from '../core/index.js';
import { newKeyEntry, writeKeySetFile, type KeyEntry } from './key-set-file.js';
import { KeySetRefresher, type KeySetRefreshIntervals } from './key-set-refresh.js';
import type { KeySetSealing } from './kms/index.js';

export interface SharedKeySetOptions {
  file: string;
  sealing: KeySetSealing | undefined;
  clock: Clock;
  /** Prefix of new key ids (`key`, `pk`). */
  kidPrefix: string;
  /** Reads the file: its entries, or null when it does not exist. Throws the owner's errors. */
  read: () => Promise<KeyEntry[] | null>;
  refresh?: KeySetRefreshIntervals | undefined;
  /**
   * Whether a file whose every key is revoked (edited by hand) is taken in. Session keys take it
   * (revoked keys must stop verifying at once); payload keys keep encrypting with what they had.
   */
  takeAllRevoked: boolean;
}

/** Public facts about a key, for the CLI and logs; never the key itself. */
export interface KeyInfo {
  kid: string;
  created_at: string;
  revoked: boolean;
}

export class SharedKeySet {
  private readonly refresher: KeySetRefresher;

  private constructor(
    private readonly options: SharedKeySetOptions,
    private current: readonly KeyEntry[],
  ) {
    this.refresher = new KeySetRefresher(options.file, options.read, () => options.clock.now(), options.refresh);
  }

  /**
   * Reads the file, creating it with one new key when it does not exist (unless `create` is
   * false: then null). When another process creates it at the same moment, theirs is used.
   */
  static async open(options: SharedKeySetOptions, create = true): Promise<SharedKeySet | null> {
    let entries = await options.read();
    if (entries === null) {
      if (!create) return null;
      const created = [newEntry(options)];
      if (await writeKeySetFile(options.file, created, { exclusive: true, sealing: options.sealing })) entries = created;
      else entries = (await options.read()) ?? created;
    }
    const set = new SharedKeySet(options, entries);
    await set.refresher.remember();
    return set;
  }

  get file(): string {
    return this.options.file;
  }

  get entries(): readonly KeyEntry[] {
    return this.current;
  }

  /** The newest unrevoked key: the one that encrypts. */
  newestUsable(): KeyEntry | undefined {
    return this.current.findLast((e) => e.revoked !== true);
  }

  /** Takes in another process's change of the file (at most every few seconds). */
  async takeChanges(): Promise<void> {
    await this.poll(false);
  }

  /**
   * Takes in changes, then, when `kid` is still unknown here, looks at the file again (at most
   * once a second): another process may have just added it.
   */
  async takeChangesFor(kid: string): Promise<void> {
    await this.poll(false);
    if (!this.current.some((e) => e.kid === kid)) await this.poll(true);
  }

  list(): KeyInfo[] {
    return this.current.map((e) => ({ kid: e.kid, created_at: e.created_at, revoked: e.revoked === true }));
  }

  /** Adds a key that encrypts from now on; older keys keep decrypting. Returns its kid. */
  async rotate(): Promise<string> {
    const entry = newEntry(this.options);
    await this.save([...(await this.latest()), entry]);
    return entry.kid;
  }

  /**
   * Marks a key revoked; revoking the last usable key adds a fresh one, so encrypting keeps
   * working. Unknown kids change nothing.
   */
  async revoke(kid: string): Promise<void> {
    const entries = (await this.latest()).map((e) => (e.kid === kid ? { ...e, revoked: true } : e));
    if (!entries.some((e) => e.revoked !== true)) entries.push(newEntry(this.options));
    await this.save(entries);
  }

  private async poll(miss: boolean): Promise<void> {
    const changed = await this.refresher.poll(miss);
    if (changed && (this.options.takeAllRevoked || changed.some((e) => e.revoked !== true))) this.current = changed;
  }

  /** The file's keys as they are now: a change is made on top of what other processes wrote. */
  private async latest(): Promise<KeyEntry[]> {
    return (await this.options.read()) ?? [...this.current];
  }

  private async save(entries: KeyEntry[]): Promise<void> {
    await writeKeySetFile(this.options.file, entries, { exclusive: false, sealing: this.options.sealing });
    this.current = entries;
    await this.refresher.remember();
  }
}

function newEntry(options: SharedKeySetOptions): KeyEntry {
  const now = options.clock.now();
  return newKeyEntry(newId(options.kidPrefix, now), toIso(now));
}
