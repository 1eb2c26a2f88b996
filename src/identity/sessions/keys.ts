// The server's session keys. The last usable key in the file encrypts new tokens; every
// unrevoked key still decrypts, so rotating does not log everyone out, and revoking a key ends
// every session it issued. Processes sharing the file (replicas on one data directory or one
// mounted secret, `lease keys rotate`) see each other's changes: a token with an unknown key id
// makes the file be read again, and the file is compared with memory every few seconds, so a
// revocation reaches every process within that time (crypto/key-set-refresh.ts).
import { join } from 'node:path';
import type { Clock } from '../../core/index.js';
import { systemClock } from '../../core/index.js';
import { SharedKeySet, type KeyInfo, type KeySetRefreshIntervals, type KeySetSealing } from '../../crypto/index.js';
import { NoSessionKey } from './errors.js';
import { readKeyFile } from './key-file.js';

export interface SessionKey {
  kid: string;
  key: Uint8Array;
}

/** Public facts about a key, for the CLI and logs; never the key itself. */
export type SessionKeyInfo = KeyInfo;

export function sessionKeyFile(dataDir: string): string {
  return join(dataDir, 'keys', 'session.jwk');
}

export class SessionKeys {
  private constructor(private readonly set: SharedKeySet) {}

  /**
   * Loads `<dataDir>/keys/session.jwk`, creating it with one key when missing. With `sealing`
   * (services.encryption), the file is an envelope sealed by that KMS (crypto/kms).
   */
  static async load(dataDir: string, options: { clock?: Clock; sealing?: KeySetSealing | undefined; refresh?: KeySetRefreshIntervals } = {}): Promise<SessionKeys> {
    const file = sessionKeyFile(dataDir);
    const { sealing } = options;
    const set = (await SharedKeySet.open({
      file,
      sealing,
      clock: options.clock ?? systemClock,
      kidPrefix: 'key',
      read: () => readKeyFile(file, sealing),
      refresh: options.refresh,
      takeAllRevoked: true,
    }))!;
    if (set.newestUsable() === undefined) await set.rotate();
    return new SessionKeys(set);
  }

  get file(): string {
    return this.set.file;
  }

  /** The key new tokens are encrypted with, after taking in a change of the file by another process. */
  async fresh(): Promise<SessionKey> {
    await this.set.takeChanges();
    return this.current();
  }

  /** The key with this id (see keyFor), reading the file again when it is unknown here: another process may have added it. */
  async resolve(kid: string): Promise<Uint8Array | undefined> {
    await this.set.takeChangesFor(kid);
    return this.keyFor(kid);
  }

  /**
   * Whether tokens under `kid` are still accepted (the key is in the file and not revoked), after
   * taking in a change of the file: what a cache of tokens verified earlier must ask again.
   */
  async accepts(kid: string): Promise<boolean> {
    await this.set.takeChanges();
    return this.set.entries.some((e) => e.kid === kid && e.revoked !== true);
  }

  /** The key new tokens are encrypted with. */
  current(): SessionKey {
    const entry = this.set.newestUsable();
    if (entry === undefined) throw new NoSessionKey();
    return { kid: entry.kid, key: Buffer.from(entry.k, 'base64url') };
  }

  /** The key with this id, unless it is unknown or revoked. */
  keyFor(kid: string): Uint8Array | undefined {
    const entry = this.set.entries.find((e) => e.kid === kid && e.revoked !== true);
    return entry === undefined ? undefined : Buffer.from(entry.k, 'base64url');
  }

  list(): SessionKeyInfo[] {
    return this.set.list();
  }

  /** Adds a new key that encrypts from now on; older keys keep decrypting. Returns its kid. */
  rotate(): Promise<string> {
    return this.set.rotate();
  }

  /**
   * Marks a key revoked: tokens it encrypted stop verifying. Revoking the last usable key adds a
   * fresh one, so new logins keep working. Unknown kids change nothing.
   */
  revoke(kid: string): Promise<void> {
    return this.set.revoke(kid);
  }
}
