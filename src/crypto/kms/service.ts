// The interface every key backend implements: wrap a data key with a master key that never
// leaves the backend (a KMS, or the local master key), and unwrap it again. The encryption
// context is bound to the wrapped key: unwrapping with another context fails.
export type EncryptionProvider = 'local' | 'aws' | 'gcp' | 'azure';

/** Non-secret facts bound to a wrapped key, e.g. `{"lease:purpose": "session-keys"}`. */
export type EncryptionContext = Readonly<Record<string, string>>;

/** A wrapped data key and the exact master key (version) that wrapped it, as the backend names it. */
export interface WrappedKey {
  blob: Uint8Array;
  keyId: string;
}

export interface EncryptionService {
  readonly provider: EncryptionProvider;
  /** The configured master key: an id, ARN, alias, resource name or URL; never key material. */
  readonly keyId: string;
  /** For messages and logs: which backend and key, never a secret. */
  describe(): string;
  wrap(plaintextKey: Uint8Array, context: EncryptionContext): Promise<WrappedKey>;
  /** The data key; `KmsRefused` when the backend will not (wrong key, other context, altered blob, disabled key). */
  unwrap(wrapped: WrappedKey, context: EncryptionContext): Promise<Uint8Array>;
  /** A fresh 256-bit data key and its wrapped form, where the backend makes them in one call (AWS GenerateDataKey). */
  generateDataKey?(context: EncryptionContext): Promise<WrappedKey & { plaintext: Uint8Array }>;
  /**
   * False when `keyId` (recorded in an envelope) is certainly not a key this service unwraps
   * with, so the mismatch is reported before calling the backend. True when it is, or when
   * that cannot be told locally (an AWS alias): the backend then decides.
   */
  recognises(keyId: string): boolean;
}

/** The context as bytes, keys sorted: the AAD for backends that take bytes (local, GCP). */
export function contextBytes(context: EncryptionContext): Buffer {
  const sorted = Object.keys(context)
    .sort()
    .map((k) => [k, context[k]]);
  return Buffer.from(JSON.stringify(sorted), 'utf8');
}
