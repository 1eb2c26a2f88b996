// The payload key file `<dataDir>/keys/payload.jwk`: a JWK Set of 256-bit symmetric keys that
// encrypt everything Lease sends to Temporal (codec.ts). Same format and file rules as the
// session keys (identity/sessions): mode 0600 in a 0700 directory, created once, atomically.
// The last unrevoked key encrypts; every key in the file decrypts, so rotation keeps old
// histories readable. Workers and servers that share a Temporal namespace share this file; a
// process sees another's rotation (`lease keys rotate --set payload`) when it meets the new key
// id, and takes in any change of the file within seconds (crypto/key-set-refresh.ts).
import { join } from 'node:path';
import { LeaseError, newId, systemClock, toIso, type Clock } from '../../../core/index.js';
import { KeySetRefresher, newKeyEntry, readKeySetFile, writeKeySetFile, type KeyEntry, type KeySetRefreshIntervals, type KeySetSealing } from '../../../crypto/index.js';


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

/** The file a key set was read from, for taking in other processes' changes and making them. */
interface PayloadKeySource {
  file: string;
  sealing: KeySetSealing | undefined;
  clock: Clock;
  refresher: KeySetRefresher;
}

export class PayloadKeys {
  private constructor(
    private entries: readonly KeyEntry[],
    private readonly source?: PayloadKeySource,
  ) {}

  /**
   * Reads `file`, creating it with one new key when it does not exist (unless `create` is false).
   * With `sealing` (services.encryption), the file is an envelope sealed by that KMS (crypto/kms).
   */
  static async load(file: string, options: { create?: boolean; clock?: Clock; sealing?: KeySetSealing | undefined; refresh?: KeySetRefreshIntervals } = {}): Promise<PayloadKeys> {
    const { sealing } = options;
    const clock = options.clock ?? systemClock;
    let entries = await readKeys(file, sealing);
    if (entries === null) {
      if (options.create === false) throw new PayloadKeyFileInvalid(file, 'does not exist');
      const created = newKeyEntry(newId('pk', clock.now()), toIso(clock.now()));
      if (await createKeyFile(file, [created], sealing)) entries = [created];
      else entries = (await readKeys(file, sealing)) ?? [created]; // another process created it first: use theirs
    }
    if (!entries.some((e) => e.revoked !== true)) throw new PayloadKeyFileInvalid(file, 'every key is revoked');
    const refresher = new KeySetRefresher(file, () => readKeys(file, sealing), () => clock.now(), options.refresh);
    await refresher.remember();
    return new PayloadKeys(entries, { file, sealing, clock, refresher });
  }

  /** Keys given directly (tests, KMS-unwrapped keys). */
  static fromKeys(keys: PayloadKey[]): PayloadKeys {
    return new PayloadKeys(keys.map((k) => ({ kty: 'oct', kid: k.kid, k: k.key.toString('base64url'), created_at: new Date(0).toISOString() })));
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
    await this.takeChanges(false);
    return this.current();
  }

  /** The key with this id, reading the file again when it is unknown here: another process may have added it. */
  async resolve(kid: string): Promise<Buffer | undefined> {
    await this.takeChanges(false);
    const key = this.keyFor(kid);
    if (key) return key;
    await this.takeChanges(true);
    return this.keyFor(kid);
  }

  list(): Array<{ kid: string; created_at: string; revoked: boolean }> {
    return this.entries.map((e) => ({ kid: e.kid, created_at: e.created_at, revoked: e.revoked === true }));
  }

  /** Adds a key that encrypts from now on (every key keeps decrypting). Returns its kid. */
  async rotate(): Promise<string> {
    const source = this.requireSource();
    const entry = newKeyEntry(newId('pk', source.clock.now()), toIso(source.clock.now()));
    await this.save([...(await this.latest()), entry]);
    return entry.kid;
  }

  /**
   * Stops a key from encrypting; it still decrypts the histories it wrote. Revoking the last
   * usable key adds a fresh one. Unknown kids change nothing.
   */
  async revoke(kid: string): Promise<void> {
    const source = this.requireSource();
    const entries = (await this.latest()).map((e) => (e.kid === kid ? { ...e, revoked: true } : e));
    if (!entries.some((e) => e.revoked !== true)) entries.push(newKeyEntry(newId('pk', source.clock.now()), toIso(source.clock.now())));
    await this.save(entries);
  }

  private async takeChanges(miss: boolean): Promise<void> {
    const changed = await this.source?.refresher.poll(miss);
    if (changed && changed.some((e) => e.revoked !== true)) this.entries = changed;
  }

  private requireSource(): PayloadKeySource {
    if (!this.source) throw new LeaseError('invalid_input', 'these payload keys were not read from a file', { status: 400 });
    return this.source;
  }

  private async latest(): Promise<KeyEntry[]> {
    const { file, sealing } = this.requireSource();
    return (await readKeys(file, sealing)) ?? [...this.entries];
  }

  private async save(entries: KeyEntry[]): Promise<void> {
    const { file, sealing, refresher } = this.requireSource();
    await writeKeySetFile(file, entries, { exclusive: false, sealing });
    this.entries = entries;
    await refresher.remember();
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

/** Writes a new key file; false when another process created it first. */
function createKeyFile(file: string, entries: KeyEntry[], sealing: KeySetSealing | undefined): Promise<boolean> {
  return writeKeySetFile(file, entries, { exclusive: true, sealing });
}
