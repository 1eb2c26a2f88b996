// The CA's private key, loaded once when the provider is created, so a missing, unreadable,
// too-open or wrong-type key stops the server at start with the file and the config path.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import sshpk from 'sshpk';
import { ProviderConfigInvalid } from '../errors.js';
import { CA_KEY_TYPES } from './certificate.js';
import { INLINE_KEY, type SshConfig } from './config.js';

export interface CertificateAuthorityKey {
  readonly privateKey: sshpk.PrivateKey;
  /** `ssh-ed25519 AAAA... lease-ca:<provider id>`: the line hosts put in TrustedUserCAKeys. */
  readonly publicKeyLine: string;
  /** The public key in SSH wire format (a KRL's certificate section names its CA by it). */
  readonly publicKeyBlob: Buffer;
  /** `SHA256:...`, for logs and docs. */
  readonly fingerprint: string;
}

export function loadCaKey(providerId: string, config: Pick<SshConfig, 'ca_key' | 'ca_key_passphrase'>, configDir: string): CertificateAuthorityKey {
  const field = `providers.${providerId}.config.ca_key`;
  const inline = INLINE_KEY.test(config.ca_key);
  const where = inline ? 'the inline ca_key' : resolve(configDir, config.ca_key);
  const fail = (why: string) => new ProviderConfigInvalid(`ssh provider "${providerId}": ${where}: ${why}`, field);
  let text: string;
  if (inline) {
    text = config.ca_key;
  } else {
    try {
      // Like ssh itself: a private key others can read is refused, not used.
      const mode = statSync(where).mode & 0o777;
      if ((mode & 0o077) !== 0) throw fail(`the CA private key is readable by group or others (mode ${mode.toString(8)}); chmod 600 it`);
      text = readFileSync(where, 'utf8');
    } catch (err) {
      if (err instanceof ProviderConfigInvalid) throw err;
      throw fail(`cannot read the CA private key (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  let key: sshpk.PrivateKey;
  try {
    key = sshpk.parsePrivateKey(text, 'auto', { filename: inline ? 'ca_key' : where, ...(config.ca_key_passphrase ? { passphrase: config.ca_key_passphrase } : {}) });
  } catch (err) {
    // sshpk's messages name the format problem, never key material.
    const message = err instanceof Error ? err.message : String(err);
    if (/encrypted/i.test(message) && !config.ca_key_passphrase) throw fail('the CA private key is encrypted: set ca_key_passphrase (e.g. ${SSH_CA_PASSPHRASE})');
    throw fail(`not an OpenSSH/PEM private key that Lease can read (${message.split('\n')[0]})`);
  }
  if (!(CA_KEY_TYPES as readonly string[]).includes(key.type)) {
    throw fail(`a ${key.type.toUpperCase()} CA key is not supported: use ed25519 (ssh-keygen -t ed25519) or ECDSA (sshpk signs RSA certificates with SHA-1, which OpenSSH ≥ 8.8 refuses)`);
  }
  const publicKey = key.toPublic();
  publicKey.comment = `lease-ca:${providerId}`;
  return {
    privateKey: key,
    publicKeyLine: publicKey.toString('ssh'),
    publicKeyBlob: publicKey.toBuffer('rfc4253'),
    fingerprint: publicKey.fingerprint('sha256').toString(),
  };
}
