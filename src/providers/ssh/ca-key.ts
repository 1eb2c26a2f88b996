// The CA's private key, loaded once when the provider is created, so a missing, unreadable,
// too-open or wrong-type key stops the server at start with the file and the config path. The
// file may be sealed with services.encryption (`lease keys seal-file --purpose ssh-ca-key`):
// it is then opened at start with the server's encryption service, and kept in memory only.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import sshpk from 'sshpk';
import { ProviderConfigInvalid } from '../errors.js';
import { CA_KEY_TYPES } from './certificate.js';
import { INLINE_KEY, type SshConfig } from './config.js';
import { isKeyEnvelope } from '../../crypto/index.js';
import type { SealedFileOpener } from '../provider.js';

export interface CertificateAuthorityKey {
  readonly privateKey: sshpk.PrivateKey;
  /** `ssh-ed25519 AAAA... lease-ca:<provider id>`: the line hosts put in TrustedUserCAKeys. */
  readonly publicKeyLine: string;
  /** The public key in SSH wire format (a KRL's certificate section names its CA by it). */
  readonly publicKeyBlob: Buffer;
  /** `SHA256:...`, for logs and docs. */
  readonly fingerprint: string;
}

/** What a sealed CA key file is bound to (`lease keys seal-file --purpose ssh-ca-key`): a key file sealed for another use does not open as a CA key. */
export const SEALED_CA_KEY_PURPOSE = 'ssh-ca-key';

/** How the CA key is read: ca_key is a path or the key inline. */
function caKeySource(providerId: string, config: Pick<SshConfig, 'ca_key'>, configDir: string) {
  const field = `providers.${providerId}.config.ca_key`;
  const inline = INLINE_KEY.test(config.ca_key);
  const where = inline ? 'the inline ca_key' : resolve(configDir, config.ca_key);
  const fail = (why: string) => new ProviderConfigInvalid(`ssh provider "${providerId}": ${where}: ${why}`, field);
  return { inline, where, fail };
}

/** A sealed file's content (an envelope JSON written by `lease keys seal-file`), or undefined for a plain key. */
function sealedEnvelope(text: string): unknown {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const json = JSON.parse(text) as unknown;
    return isKeyEnvelope(json) ? json : undefined;
  } catch {
    return undefined;
  }
}

/** Reads ca_key's file. A sealed file need not be private: it is useless without the KMS key. */
function readCaKeyFile(where: string, fail: (why: string) => ProviderConfigInvalid): string {
  try {
    const mode = statSync(where).mode & 0o777;
    const text = readFileSync(where, 'utf8');
    // Like ssh itself: a private key others can read is refused, not used. A sealed one is ciphertext.
    if ((mode & 0o077) !== 0 && sealedEnvelope(text) === undefined) throw fail(`the CA private key is readable by group or others (mode ${mode.toString(8)}); chmod 600 it`);
    return text;
  } catch (err) {
    if (err instanceof ProviderConfigInvalid) throw err;
    throw fail(`cannot read the CA private key (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** The CA key from a plain file or inline (synchronous); a sealed file needs openCaKey. */
export function loadCaKey(providerId: string, config: Pick<SshConfig, 'ca_key' | 'ca_key_passphrase'>, configDir: string): CertificateAuthorityKey {
  const { inline, where, fail } = caKeySource(providerId, config, configDir);
  const text = inline ? config.ca_key : readCaKeyFile(where, fail);
  if (!inline && sealedEnvelope(text) !== undefined) throw fail('the CA private key is sealed: it is opened with services.encryption at server start');
  return parseCaKey(providerId, text, inline, where, config.ca_key_passphrase, fail);
}

/**
 * The CA key from a plain file, inline, or a file sealed with services.encryption (opened with
 * `sealed`, the server's encryption service). The clear key stays in memory: never logged, never written.
 */
export async function openCaKey(providerId: string, config: Pick<SshConfig, 'ca_key' | 'ca_key_passphrase'>, configDir: string, sealed: SealedFileOpener | undefined): Promise<CertificateAuthorityKey> {
  const { inline, where, fail } = caKeySource(providerId, config, configDir);
  const text = inline ? config.ca_key : readCaKeyFile(where, fail);
  const envelope = inline ? undefined : sealedEnvelope(text);
  if (envelope === undefined) return parseCaKey(providerId, text, inline, where, config.ca_key_passphrase, fail);
  if (sealed === undefined) throw fail('the CA private key is sealed (lease keys seal-file), but services.encryption is not configured in this process: configure the encryption service it was sealed with');
  let clear: Uint8Array;
  try {
    clear = await sealed.open(envelope, where, SEALED_CA_KEY_PURPOSE);
  } catch (err) {
    // The envelope errors name the file, the backend and the key id, never key material.
    throw fail(`cannot open the sealed CA private key: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return parseCaKey(providerId, Buffer.from(clear).toString('utf8'), inline, where, config.ca_key_passphrase, fail);
  } finally {
    clear.fill(0);
  }
}

function parseCaKey(providerId: string, text: string, inline: boolean, where: string, passphrase: string | undefined, fail: (why: string) => ProviderConfigInvalid): CertificateAuthorityKey {
  const config = { ca_key_passphrase: passphrase };
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
