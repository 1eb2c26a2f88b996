// The payload key file `<dataDir>/keys/payload.jwk`: a JWK Set of 256-bit symmetric keys that
// encrypt everything Lease sends to Temporal (codec.ts). Same format and file rules as the
// session keys (identity/sessions): mode 0600 in a 0700 directory, created once, atomically.
// The last unrevoked key encrypts; every key in the file decrypts, so rotation keeps old
// histories readable. Workers and servers that share a Temporal namespace share this file.
import { join } from 'node:path';
import { LeaseError, newId, systemClock, toIso, type Clock } from '../../../core/index.js';
import { newKeyEntry, readKeySetFile, writeKeySetFile, type KeyEntry, type KeySetSealing } from '../../../crypto/index.js';


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
  private constructor(private readonly entries: readonly KeyEntry[]) {}

  /**
   * Reads `file`, creating it with one new key when it does not exist (unless `create` is false).
   * With `sealing` (services.encryption), the file is an envelope sealed by that KMS (crypto/kms).
   */
  static async load(file: string, options: { create?: boolean; clock?: Clock; sealing?: KeySetSealing | undefined } = {}): Promise<PayloadKeys> {
    const { sealing } = options;
    let entries = await readKeys(file, sealing);
    if (entries === null) {
      if (options.create === false) throw new PayloadKeyFileInvalid(file, 'does not exist');
      const clock = options.clock ?? systemClock;
      const created = newKeyEntry(newId('pk', clock.now()), toIso(clock.now()));
      if (await createKeyFile(file, [created], sealing)) entries = [created];
      else entries = (await readKeys(file, sealing)) ?? [created]; // another process created it first: use theirs
    }
    if (!entries.some((e) => e.revoked !== true)) throw new PayloadKeyFileInvalid(file, 'every key is revoked');
    return new PayloadKeys(entries);
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
