// The server's session keys. The last usable key in the file encrypts new tokens; every
// unrevoked key still decrypts, so rotating does not log everyone out, and revoking a key ends
// every session it issued. Processes sharing the file (replicas on one data directory or one
// mounted secret, `lease keys rotate`) see each other's changes: a token with an unknown key id
// makes the file be read again, and the file is compared with memory every few seconds, so a
// revocation reaches every process within that time (crypto/key-set-refresh.ts).
import { join } from 'node:path';
import type { Clock } from '../../core/index.js';
import { newId, systemClock, toIso } from '../../core/index.js';
import { KeySetRefresher, type KeySetRefreshIntervals, type KeySetSealing } from '../../crypto/index.js';
import { NoSessionKey } from './errors.js';
import type { KeyEntry } from './key-file.js';
import { newKeyEntry, readKeyFile, writeKeyFile } from './key-file.js';

export interface SessionKey {
  kid: string;
  key: Uint8Array;
}

/** Public facts about a key, for the CLI and logs; never the key itself. */
export interface SessionKeyInfo {
  kid: string;
  created_at: string;
  revoked: boolean;
}

export function sessionKeyFile(dataDir: string): string {
  return join(dataDir, 'keys', 'session.jwk');
}


export class SessionKeys {
  private readonly refresher: KeySetRefresher;

  private constructor(
    readonly file: string,
    private entries: KeyEntry[],
    private readonly clock: Clock,
    private readonly sealing: KeySetSealing | undefined,
    refresh: KeySetRefreshIntervals | undefined,
  ) {
    this.refresher = new KeySetRefresher(file, () => readKeyFile(file, sealing), () => clock.now(), refresh);
  }

  /**
   * Loads `<dataDir>/keys/session.jwk`, creating it with one key when missing. With `sealing`
   * (services.encryption), the file is an envelope sealed by that KMS (crypto/kms).
   */
  static async load(dataDir: string, options: { clock?: Clock; sealing?: KeySetSealing | undefined; refresh?: KeySetRefreshIntervals } = {}): Promise<SessionKeys> {
    const clock = options.clock ?? systemClock;
    const file = sessionKeyFile(dataDir);
    const { sealing } = options;
    let entries = await readKeyFile(file, sealing);
    if (entries === null) {
      const created = [newKeyEntry(newId('key', clock.now()), toIso(clock.now()))];
      if (await writeKeyFile(file, created, { exclusive: true, sealing })) entries = created;
      else entries = (await readKeyFile(file, sealing)) ?? created; // another process created it first: use theirs
    }
    const keys = new SessionKeys(file, entries, clock, sealing, options.refresh);
    await keys.refresher.remember();
    if (!entries.some((e) => e.revoked !== true)) await keys.rotate();
    return keys;
  }

  /** The key new tokens are encrypted with, after taking in a change of the file by another process. */
  async fresh(): Promise<SessionKey> {
    await this.takeChanges(false);
    return this.current();
  }

  /** The key with this id (see keyFor), reading the file again when it is unknown here: another process may have added it. */
  async resolve(kid: string): Promise<Uint8Array | undefined> {
    await this.takeChanges(false);
    if (this.entries.some((e) => e.kid === kid)) return this.keyFor(kid);
    await this.takeChanges(true);
    return this.keyFor(kid);
  }

  private async takeChanges(miss: boolean): Promise<void> {
    const changed = await this.refresher.poll(miss);
    if (changed) this.entries = changed;
  }

  /** The key new tokens are encrypted with. */
  current(): SessionKey {
    const entry = this.entries.findLast((e) => e.revoked !== true);
    if (entry === undefined) throw new NoSessionKey();
    return { kid: entry.kid, key: Buffer.from(entry.k, 'base64url') };
  }

  /** The key with this id, unless it is unknown or revoked. */
  keyFor(kid: string): Uint8Array | undefined {
    const entry = this.entries.find((e) => e.kid === kid && e.revoked !== true);
    return entry === undefined ? undefined : Buffer.from(entry.k, 'base64url');
  }

  list(): SessionKeyInfo[] {
    return this.entries.map((e) => ({ kid: e.kid, created_at: e.created_at, revoked: e.revoked === true }));
  }

  /** Adds a new key that encrypts from now on; older keys keep decrypting. Returns its kid. */
  async rotate(): Promise<string> {
    const entry = this.newEntry();
    await this.save([...(await this.latest()), entry]);
    return entry.kid;
  }

  /**
   * Marks a key revoked: tokens it encrypted stop verifying. Revoking the last usable key adds a
   * fresh one, so new logins keep working. Unknown kids change nothing.
   */
  async revoke(kid: string): Promise<void> {
    const entries = (await this.latest()).map((e) => (e.kid === kid ? { ...e, revoked: true } : e));
    if (!entries.some((e) => e.revoked !== true)) entries.push(this.newEntry());
    await this.save(entries);
  }

  private newEntry(): KeyEntry {
    return newKeyEntry(newId('key', this.clock.now()), toIso(this.clock.now()));
  }

  /** The file's keys as they are now: a change is made on top of what other processes wrote. */
  private async latest(): Promise<KeyEntry[]> {
    return (await readKeyFile(this.file, this.sealing)) ?? this.entries;
  }

  private async save(entries: KeyEntry[]): Promise<void> {
    await writeKeyFile(this.file, entries, { exclusive: false, sealing: this.sealing });
    this.entries = entries;
    await this.refresher.remember();
  }
}
