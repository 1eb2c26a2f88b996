// OpenSSH user certificates (PROTOCOL.certkeys), signed in-process with sshpk: the key types,
// the extensions Lease grants, and the one function that signs.
import { randomBytes } from 'node:crypto';
import sshpk from 'sshpk';

/** The certificate extensions OpenSSH knows (PROTOCOL.certkeys, "Extensions"). */
export const STANDARD_EXTENSIONS = ['permit-X11-forwarding', 'permit-agent-forwarding', 'permit-port-forwarding', 'permit-pty', 'permit-user-rc'] as const;
export type CertificateExtension = (typeof STANDARD_EXTENSIONS)[number];

/** Granted unless `extensions` says otherwise: an interactive shell and forwarding, no X11. */
export const DEFAULT_EXTENSIONS: CertificateExtension[] = ['permit-agent-forwarding', 'permit-port-forwarding', 'permit-pty', 'permit-user-rc'];

/** Critical options a provider may put in every certificate (PROTOCOL.certkeys, "Critical options"). */
export interface CriticalOptions {
  'force-command'?: string;
  /** Comma-separated CIDR list as OpenSSH reads it. */
  'source-address'?: string;
  'verify-required'?: boolean;
}

/** Key types a CA may sign with: sshpk signs RSA certificates with SHA-1 (`ssh-rsa`), which OpenSSH ≥ 8.8 refuses. */
export const CA_KEY_TYPES = ['ed25519', 'ecdsa'] as const;
/** Key types a user may present; RSA keys of at least 2048 bits. */
export const USER_KEY_TYPES = ['ed25519', 'ecdsa', 'rsa'] as const;

export interface CertificateRequest {
  /** The user's public key (`ssh-ed25519 AAAA... comment`), parsed with parseUserPublicKey. */
  subjectKey: sshpk.Key;
  keyId: string;
  serial: bigint;
  principals: readonly string[];
  validAfter: Date;
  validBefore: Date;
  extensions: readonly CertificateExtension[];
  criticalOptions?: CriticalOptions;
}

/** A fresh serial: 63 random bits, never 0 (a KRL cannot name serial 0). */
export function newSerial(): bigint {
  for (;;) {
    const serial = randomBytes(8).readBigUInt64BE() & 0x7fffffffffffffffn;
    if (serial !== 0n) return serial;
  }
}

/** The certificate line (`ssh-ed25519-cert-v01@openssh.com AAAA... <key id>`), for `<key>-cert.pub`. */
export function signUserCertificate(ca: sshpk.PrivateKey, request: CertificateRequest): string {
  const serial = Buffer.alloc(8);
  serial.writeBigUInt64BE(request.serial);
  const cert = new sshpk.Certificate({
    subjects: request.principals.map((p) => sshpk.identityForUser(p)),
    subjectKey: request.subjectKey,
    issuer: sshpk.identityForHost('lease'),
    issuerKey: ca.toPublic(),
    signatures: {} as never,
    serial,
    validFrom: request.validAfter,
    validUntil: request.validBefore,
  });
  // OpenSSH wants each list sorted by name (PROTOCOL.certkeys); sshpk writes them in the order given.
  const critical = Object.entries(request.criticalOptions ?? {})
    .filter(([, value]) => value !== undefined && value !== false)
    .map(([name, value]) => ({ critical: true, name, data: value === true ? Buffer.alloc(0) : sshString(String(value)) }));
  const extensions = [...new Set(request.extensions)].map((name) => ({ critical: false, name, data: Buffer.alloc(0) }));
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  (cert.signatures as Record<string, unknown>).openssh = { keyId: request.keyId, exts: [...critical.sort(byName), ...extensions.sort(byName)] };
  cert.signWith(ca);
  return cert.toString('openssh', { comment: request.keyId } as never);
}

/** A critical option's value: an SSH string inside the option's data string. */
function sshString(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}
