// The `gcp` backend: Cloud KMS over its REST API. `:encrypt` wraps a locally made data key with
// the key's primary version, the encryption context as additionalAuthenticatedData; `:decrypt`
// on the same CryptoKey unwraps it (KMS finds the version). CRC32C checksums go both ways, as
// Google asks of clients, so a corrupted request or response is caught.
import type { GcpEncryptionConfig } from './config.js';
import { crc32c } from './crc32c.js';
import { KmsUnavailable } from './errors.js';
import { failure, gcpMetadataToken, requestJson, staticToken, type AccessTokenSource, type JsonResponse } from './rest.js';
import { contextBytes, type EncryptionContext, type EncryptionService, type WrappedKey } from './service.js';

const BACKEND = 'GCP Cloud KMS';
const DEFAULT_ENDPOINT = 'https://cloudkms.googleapis.com';

export class GcpEncryptionService implements EncryptionService {
  readonly provider = 'gcp' as const;
  readonly keyId: string;
  private readonly endpoint: string;
  private readonly tokens: AccessTokenSource;

  constructor(config: GcpEncryptionConfig, env: Record<string, string | undefined>) {
    this.keyId = config.key_id;
    this.endpoint = (config.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
    const token = config.token ?? env.GOOGLE_OAUTH_ACCESS_TOKEN;
    const metadata = config.metadata_url ?? (env.GCE_METADATA_HOST ? `http://${env.GCE_METADATA_HOST}` : 'http://metadata.google.internal');
    this.tokens = token ? staticToken(token) : gcpMetadataToken(metadata);
  }

  describe(): string {
    return `GCP Cloud KMS key ${this.keyId}`;
  }

  async wrap(plaintextKey: Uint8Array, context: EncryptionContext): Promise<WrappedKey> {
    const aad = contextBytes(context);
    const response = await this.post('encrypt', 'wrap a key', {
      plaintext: Buffer.from(plaintextKey).toString('base64'),
      additionalAuthenticatedData: aad.toString('base64'),
      plaintextCrc32c: String(crc32c(plaintextKey)),
      additionalAuthenticatedDataCrc32c: String(crc32c(aad)),
    });
    const body = response.json as { name?: unknown; ciphertext?: unknown; ciphertextCrc32c?: unknown; verifiedPlaintextCrc32c?: unknown; verifiedAdditionalAuthenticatedDataCrc32c?: unknown };
    if (typeof body.ciphertext !== 'string' || typeof body.name !== 'string') throw new KmsUnavailable(BACKEND, 'wrap a key', 'unexpected response');
    const ciphertext = Buffer.from(body.ciphertext, 'base64');
    if (body.verifiedPlaintextCrc32c !== true || body.verifiedAdditionalAuthenticatedDataCrc32c !== true || String(body.ciphertextCrc32c) !== String(crc32c(ciphertext))) {
      throw new KmsUnavailable(BACKEND, 'wrap a key', 'checksum verification failed (corrupted in transit)');
    }
    return { blob: ciphertext, keyId: body.name };
  }

  async unwrap(wrapped: WrappedKey, context: EncryptionContext): Promise<Uint8Array> {
    const aad = contextBytes(context);
    const response = await this.post('decrypt', 'unwrap a key', {
      ciphertext: Buffer.from(wrapped.blob).toString('base64'),
      additionalAuthenticatedData: aad.toString('base64'),
      ciphertextCrc32c: String(crc32c(wrapped.blob)),
      additionalAuthenticatedDataCrc32c: String(crc32c(aad)),
    });
    const body = response.json as { plaintext?: unknown; plaintextCrc32c?: unknown };
    if (typeof body.plaintext !== 'string') throw new KmsUnavailable(BACKEND, 'unwrap a key', 'unexpected response');
    const plaintext = Buffer.from(body.plaintext, 'base64');
    if (String(body.plaintextCrc32c) !== String(crc32c(plaintext))) throw new KmsUnavailable(BACKEND, 'unwrap a key', 'checksum verification failed (corrupted in transit)');
    return plaintext;
  }

  /** Encrypt records the CryptoKeyVersion (`.../cryptoKeys/K/cryptoKeyVersions/N`) of this CryptoKey. */
  recognises(keyId: string): boolean {
    return keyId === this.keyId || keyId.startsWith(`${this.keyId}/cryptoKeyVersions/`);
  }

  private async post(method: 'encrypt' | 'decrypt', operation: string, body: Record<string, string>): Promise<JsonResponse> {
    const path = this.keyId.split('/').map(encodeURIComponent).join('/');
    const response = await requestJson(BACKEND, operation, `${this.endpoint}/v1/${path}:${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await this.tokens.token()}` },
      body,
    });
    if (response.status === 200) return response;
    // Google's error body: {"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT"}}
    const error = ((response.json ?? {}) as { error?: { status?: unknown; message?: unknown } }).error ?? {};
    throw failure(BACKEND, operation, response, typeof error.status === 'string' ? error.status : `HTTP ${response.status}`, typeof error.message === 'string' ? error.message : '');
  }
}
