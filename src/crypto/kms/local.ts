// The `local` backend: a 256-bit master key from a file (mode 0600) or an environment variable
// wraps data keys with AES-256-GCM, the encryption context as AAD. Keep the master key away from
// the data directory (another disk, a secret mount), or this is a lock with the key in it.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readPrivateFile } from '../private-file.js';
import type { LocalEncryptionConfig } from './config.js';
import { KmsRefused, MasterKeyInvalid } from './errors.js';
import { contextBytes, type EncryptionContext, type EncryptionService, type WrappedKey } from './service.js';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_TEXT = /^[A-Za-z0-9_+/-]{43}=?$/;

/** The master key from `config.key_file` or `config.key_env`; MasterKeyInvalid names what is wrong. */
export async function readMasterKey(config: LocalEncryptionConfig, env: Record<string, string | undefined>): Promise<{ key: Buffer; source: string }> {
  let text: string;
  let source: string;
  if (config.key_file !== undefined) {
    source = `key_file ${config.key_file}`;
    const content = await readPrivateFile(config.key_file, (mode) => new MasterKeyInvalid(source, `mode ${mode.toString(8).padStart(4, '0')} lets others read it; run \`chmod 600 ${config.key_file}\``));
    if (content === null) throw new MasterKeyInvalid(source, `does not exist; create it with \`umask 077; openssl rand 32 | basenc --base64url > ${config.key_file}\``);
    text = content.trim();
  } else {
    source = `key_env ${config.key_env}`;
    const value = env[config.key_env ?? ''];
    if (value === undefined || value === '') throw new MasterKeyInvalid(source, 'the environment variable is not set');
    text = value.trim();
  }
  if (!KEY_TEXT.test(text)) throw new MasterKeyInvalid(source, 'expected the base64url of 32 random bytes (43 characters)');
  const key = Buffer.from(text, 'base64url');
  if (key.length !== 32) throw new MasterKeyInvalid(source, 'expected the base64url of 32 random bytes (43 characters)');
  return { key, source };
}

/** A short, stable id of a master key (a hash: it reveals nothing of the key). */
export function masterKeyId(key: Uint8Array): string {
  return `sha256:${createHash('sha256').update('lease local master key id\0').update(key).digest('hex').slice(0, 16)}`;
}

export class LocalEncryptionService implements EncryptionService {
  readonly provider = 'local' as const;
  readonly keyId: string;

  constructor(
    private readonly masterKey: Buffer,
    private readonly source: string,
  ) {
    if (masterKey.length !== 32) throw new MasterKeyInvalid(source, 'expected 32 bytes');
    this.keyId = masterKeyId(masterKey);
  }

  static async open(config: LocalEncryptionConfig, env: Record<string, string | undefined>): Promise<LocalEncryptionService> {
    const { key, source } = await readMasterKey(config, env);
    return new LocalEncryptionService(key, source);
  }

  describe(): string {
    return `local master key ${this.keyId} (${this.source})`;
  }

  async wrap(plaintextKey: Uint8Array, context: EncryptionContext): Promise<WrappedKey> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv);
    cipher.setAAD(contextBytes(context));
    const sealed = Buffer.concat([cipher.update(plaintextKey), cipher.final()]);
    return { blob: Buffer.concat([Buffer.of(VERSION), iv, sealed, cipher.getAuthTag()]), keyId: this.keyId };
  }

  async unwrap(wrapped: WrappedKey, context: EncryptionContext): Promise<Uint8Array> {
    const blob = Buffer.from(wrapped.blob);
    if (wrapped.keyId !== this.keyId) throw new KmsRefused('local', 'unwrap', 'wrong_key', `wrapped with ${wrapped.keyId}, this key is ${this.keyId}`);
    if (blob.length < 1 + IV_BYTES + TAG_BYTES || blob[0] !== VERSION) throw new KmsRefused('local', 'unwrap', 'invalid_blob', 'not a wrapped key of this version');
    const decipher = createDecipheriv('aes-256-gcm', this.masterKey, blob.subarray(1, 1 + IV_BYTES));
    decipher.setAAD(contextBytes(context));
    decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(blob.subarray(1 + IV_BYTES, blob.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new KmsRefused('local', 'unwrap', 'authentication_failed', 'another key or context, or an altered blob');
    }
  }

  recognises(keyId: string): boolean {
    return keyId === this.keyId;
  }
}
