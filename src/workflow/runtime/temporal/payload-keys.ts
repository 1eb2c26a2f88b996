// The payload key file `<dataDir>/keys/payload.jwk`: a JWK Set of 256-bit symmetric keys that
// encrypt everything Lease sends to Temporal (codec.ts). Same format and file rules as the
// session keys (identity/sessions): mode 0600 in a 0700 directory, created once, atomically.
// The last unrevoked key encrypts; every key in the file decrypts, so rotation keeps old
// histories readable. Workers and servers that share a Temporal namespace share this file; a
// process sees another's rotation (`lease keys rotate --set payload`) when it meets the new key
// id, and takes in any change of the file within seconds (crypto/key-set-refresh.ts).
import { join } from 'node:path';
import { LeaseError, systemClock, type Clock } from '../../../core/index.js';
import { SharedKeySet, readKeySetFile, type KeyEntry, type KeyInfo, type KeySetRefreshIntervals, type KeySetSealing } from '../../../crypto/index.js';


/** The key file is missing keys, not JSON, or readable by others. */
export class PayloadKeyFileInvalid extends LeaseError {
  constructor(file: string, problem: string) {
    super('payload_key_file_invalid', `payload key file ${file}: ${problem}`, { status: 500 });
  }
}

export function payloadKeyFile(dataDir: string): string {
  return join(dataDir, 'keys', 'payload.jwk');
}

export interface PayloadKey {
  kid: string;
  key: Buffer;
}

export class PayloadKeys {
  private constructor(
    private readonly fixed: readonly KeyEntry[],
    /** The file the keys were read from; absent for keys given directly. */
    private readonly set?: SharedKeySet,
  ) {}

  /**
   * Reads `file`, creating it with one new key when it does not exist (unless `create` is false).
   * With `sealing` (services.encryption), the file is an envelope sealed by that KMS (crypto/kms).
   */
  static async load(file: string, options: { create?: boolean; clock?: Clock; sealing?: KeySetSealing | undefined; refresh?: KeySetRefreshIntervals } = {}): Promise<PayloadKeys> {
    const { sealing } = options;
    const set = await SharedKeySet.open(
      { file, sealing, clock: options.clock ?? systemClock, kidPrefix: 'pk', read: () => readKeys(file, sealing), refresh: options.refresh, takeAllRevoked: false },
      options.create !== false,
    );
    if (set === null) throw new PayloadKeyFileInvalid(file, 'does not exist');
    if (set.newestUsable() === undefined) throw new PayloadKeyFileInvalid(file, 'every key is revoked');
    return new PayloadKeys([], set);
  }

  /** Keys given directly (tests, KMS-unwrapped keys). */
  static fromKeys(keys: PayloadKey[]): PayloadKeys {
    return new PayloadKeys(keys.map((k) => ({ kty: 'oct', kid: k.kid, k: k.key.toString('base64url'), created_at: new Date(0).toISOString() })));
  }

  private get entries(): readonly KeyEntry[] {
    return this.set?.entries ?? this.fixed;
  }

  /** The key new payloads are encrypted with. */
  current(): PayloadKey {
    const entry = this.entries.findLast((e) => e.revoked !== true)!;
    return { kid: entry.kid, key: Buffer.from(entry.k, 'base64url') };
  }

  /** Any key of the file, revoked ones included: a revoked key stops encrypting, not decrypting history. */
  keyFor(kid: string): Buffer | undefined {
    const entry = this.entries.find((e) => e.kid === kid);
    return entry ? Buffer.from(entry.k, 'base64url') : undefined;
  }

  /** The key new payloads are encrypted with, after taking in a change of the file by another process. */
  async fresh(): Promise<PayloadKey> {
    await this.set?.takeChanges();
    return this.current();
  }

  /** The key with this id, reading the file again when it is unknown here: another process may have added it. */
  async resolve(kid: string): Promise<Buffer | undefined> {
    await this.set?.takeChangesFor(kid);
    return this.keyFor(kid);
  }

  list(): KeyInfo[] {
    return this.entries.map((e) => ({ kid: e.kid, created_at: e.created_at, revoked: e.revoked === true }));
  }

  /** Adds a key that encrypts from now on (every key keeps decrypting). Returns its kid. */
  rotate(): Promise<string> {
    return this.fileSet().rotate();
  }

  /**
   * Stops a key from encrypting; it still decrypts the histories it wrote. Revoking the last
   * usable key adds a fresh one. Unknown kids change nothing.
   */
  revoke(kid: string): Promise<void> {
    return this.fileSet().revoke(kid);
  }

  private fileSet(): SharedKeySet {
    if (!this.set) throw new LeaseError('invalid_input', 'these payload keys were not read from a file', { status: 400 });
    return this.set;
  }
}

const ERRORS = {
  invalid: (file: string, problem: string) => new PayloadKeyFileInvalid(file, problem),
  insecure: (file: string, mode: number) => new PayloadKeyFileInvalid(file, `mode ${mode.toString(8)} lets others read it; chmod 600`),
};

async function readKeys(file: string, sealing: KeySetSealing | undefined): Promise<KeyEntry[] | null> {
  const keys = await readKeySetFile(file, ERRORS, sealing);
  if (keys !== null && keys.length === 0) throw new PayloadKeyFileInvalid(file, 'keys: it holds no key');
  return keys;
}
