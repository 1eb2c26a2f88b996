// Host credentials: a random 256-bit secret per host, made on the host (`lease agent --host <id>
// --new-credential`). The server's config holds only its SHA-256 (a fast hash is enough: the
// secret has 256 bits of entropy, nothing to brute-force), so the config, the store and the logs
// never hold a usable credential. Revoking a host = removing or replacing its hash.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { HostCredentialConflict, HostUnauthorized } from './errors.js';

const CREDENTIAL_PREFIX = 'lhc_';

/** A new host credential: `lhc_` + 43 base64url chars (32 random bytes). */
export function newHostCredential(): string {
  return `${CREDENTIAL_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** The SHA-256 (lower-case hex) the server's config names the credential by. */
export function credentialSha256(credential: string): string {
  return createHash('sha256').update(credential, 'utf8').digest('hex');
}

/** host id → the SHA-256 of its credential, from the providers bound to it. */
export class HostCredentials {
  private readonly expected = new Map<string, { digest: Buffer; provider: string }>();
  /** Compared against when the host is unknown, so an unknown host costs the same as a wrong secret. */
  private readonly decoy = randomBytes(32);

  /** Registers a provider's binding; two different hashes for one host are a configuration error. */
  add(host: string, sha256Hex: string, provider: string): void {
    const digest = Buffer.from(sha256Hex, 'hex');
    const known = this.expected.get(host);
    if (known && !known.digest.equals(digest)) throw new HostCredentialConflict(host, [known.provider, provider]);
    if (!known) this.expected.set(host, { digest, provider });
  }

  hosts(): string[] {
    return [...this.expected.keys()];
  }

  /**
   * Checks `Authorization: Bearer <credential>` for `host`, in constant time (both sides are
   * 32-byte digests). Throws HostUnauthorized, which says nothing about which part was wrong.
   */
  verify(host: string, authorization: string | undefined): void {
    const given = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : '';
    const known = this.expected.get(host);
    const digest = createHash('sha256').update(given, 'utf8').digest();
    const match = timingSafeEqual(digest, known?.digest ?? this.decoy);
    if (!match || !known || given === '') throw new HostUnauthorized();
  }
}
