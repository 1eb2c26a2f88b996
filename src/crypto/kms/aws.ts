// The `aws` backend: AWS KMS through the AWS SDK. Data keys come from GenerateDataKey (AES_256)
// and are unwrapped with Decrypt naming the configured key, so a blob from another key is
// refused (IncorrectKeyException) rather than decrypted with whatever key made it. The
// encryption context is KMS's own: CloudTrail shows it, and Decrypt refuses any other.
// Credentials and region come from the SDK's standard chain (env, profile, instance role).
import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand, KMSClient, KMSServiceException, type KMSClientConfig } from '@aws-sdk/client-kms';
import type { AwsEncryptionConfig } from './config.js';
import { KmsRefused, KmsUnavailable } from './errors.js';
import type { EncryptionContext, EncryptionService, WrappedKey } from './service.js';

const BACKEND = 'AWS KMS';

export interface AwsServiceOptions {
  /** Overrides the standard chain (tests). */
  credentials?: KMSClientConfig['credentials'];
}

export class AwsEncryptionService implements EncryptionService {
  readonly provider = 'aws' as const;
  readonly keyId: string;
  private readonly client: KMSClient;

  constructor(
    private readonly config: AwsEncryptionConfig,
    options: AwsServiceOptions = {},
  ) {
    this.keyId = config.key_id;
    this.client = new KMSClient({
      ...(config.region ? { region: config.region } : {}),
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 },
    });
  }

  describe(): string {
    return `AWS KMS key ${this.keyId}${this.config.region ? ` (${this.config.region})` : ''}`;
  }

  async generateDataKey(context: EncryptionContext): Promise<WrappedKey & { plaintext: Uint8Array }> {
    const out = await this.call('generate a data key', () =>
      this.client.send(new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: { ...context } })),
    );
    if (!out.Plaintext || !out.CiphertextBlob || !out.KeyId) throw new KmsUnavailable(BACKEND, 'generate a data key', 'incomplete response');
    return { plaintext: out.Plaintext, blob: out.CiphertextBlob, keyId: out.KeyId };
  }

  async wrap(plaintextKey: Uint8Array, context: EncryptionContext): Promise<WrappedKey> {
    const out = await this.call('wrap a key', () =>
      this.client.send(new EncryptCommand({ KeyId: this.keyId, Plaintext: plaintextKey, EncryptionContext: { ...context } })),
    );
    if (!out.CiphertextBlob || !out.KeyId) throw new KmsUnavailable(BACKEND, 'wrap a key', 'incomplete response');
    return { blob: out.CiphertextBlob, keyId: out.KeyId };
  }

  async unwrap(wrapped: WrappedKey, context: EncryptionContext): Promise<Uint8Array> {
    const out = await this.call('unwrap a key', () =>
      this.client.send(new DecryptCommand({ KeyId: this.keyId, CiphertextBlob: wrapped.blob, EncryptionContext: { ...context } })),
    );
    if (!out.Plaintext) throw new KmsUnavailable(BACKEND, 'unwrap a key', 'incomplete response');
    return out.Plaintext;
  }

  /** A key ARN or key id can be compared with the ARN KMS recorded; an alias cannot (KMS decides). */
  recognises(keyId: string): boolean {
    const configured = this.keyId;
    if (configured.startsWith('alias/') || configured.includes(':alias/')) return true;
    if (configured.startsWith('arn:')) return keyId === configured;
    return keyId === configured || keyId.endsWith(`:key/${configured}`);
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      // A client fault is KMS saying no (wrong/disabled key, other context, altered blob, no
      // permission); anything else (5xx, network, no credentials or region) is unavailability.
      if (err instanceof KMSServiceException && err.$fault === 'client') throw new KmsRefused(BACKEND, operation, err.name, err.message, { cause: err });
      const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      throw new KmsUnavailable(BACKEND, operation, detail, { cause: err });
    }
  }
}
