// The `azure` backend: Azure Key Vault over its REST API (api-version 7.4). `wrapkey` with
// RSA-OAEP-256 wraps a locally made data key; `unwrapkey` on the key version that wrapped it
// (recorded in the envelope) unwraps it. RSA-OAEP takes no associated data: the encryption
// context is bound by the envelope's own AES-GCM instead (see envelope.ts). A key_id without a
// version wraps with the key's current version, read once with Get Key.
import type { AzureEncryptionConfig } from './config.js';
import { KmsRefused, KmsUnavailable } from './errors.js';
import { azureManagedIdentityToken, failure, requestJson, staticToken, type AccessTokenSource, type JsonResponse } from './rest.js';
import type { EncryptionContext, EncryptionService, WrappedKey } from './service.js';

const BACKEND = 'Azure Key Vault';
const API_VERSION = '7.4';
const ALGORITHM = 'RSA-OAEP-256';

interface KeyRef {
  vault: string;
  name: string;
  version: string | undefined;
}

/** `https://VAULT/keys/NAME[/VERSION]` → its parts; undefined when it is not a key identifier. */
export function parseKeyId(keyId: string): KeyRef | undefined {
  let url: URL;
  try {
    url = new URL(keyId);
  } catch {
    return undefined;
  }
  const match = /^\/keys\/([^/]+)(?:\/([^/]+))?\/?$/.exec(url.pathname);
  if (!match) return undefined;
  return { vault: url.host.toLowerCase(), name: match[1]!, version: match[2] };
}

export class AzureEncryptionService implements EncryptionService {
  readonly provider = 'azure' as const;
  readonly keyId: string;
  private readonly key: KeyRef;
  private readonly endpoint: string;
  private readonly tokens: AccessTokenSource;
  private currentVersion: string | undefined;

  constructor(config: AzureEncryptionConfig, env: Record<string, string | undefined>) {
    const key = parseKeyId(config.key_id);
    if (!key) throw new Error(`not a Key Vault key identifier: ${config.key_id}`); // the config schema already checked it
    this.keyId = config.key_id;
    this.key = key;
    this.currentVersion = key.version;
    this.endpoint = (config.endpoint ?? new URL(config.key_id).origin).replace(/\/+$/, '');
    this.tokens = config.token
      ? staticToken(config.token)
      : azureManagedIdentityToken({
          ...(config.identity_endpoint ? { endpoint: config.identity_endpoint } : env.IDENTITY_ENDPOINT ? { endpoint: env.IDENTITY_ENDPOINT, ...(env.IDENTITY_HEADER ? { identityHeader: env.IDENTITY_HEADER } : {}) } : {}),
          ...(config.client_id ? { clientId: config.client_id } : {}),
        });
  }

  describe(): string {
    return `Azure Key Vault key ${this.keyId}`;
  }

  async wrap(plaintextKey: Uint8Array, _context: EncryptionContext): Promise<WrappedKey> {
    const version = await this.versionForWrapping();
    const response = await this.post(version, 'wrapkey', 'wrap a key', { alg: ALGORITHM, value: Buffer.from(plaintextKey).toString('base64url') });
    const body = response.json as { kid?: unknown; value?: unknown };
    if (typeof body.kid !== 'string' || typeof body.value !== 'string') throw new KmsUnavailable(BACKEND, 'wrap a key', 'unexpected response');
    return { blob: Buffer.from(body.value, 'base64url'), keyId: body.kid };
  }

  async unwrap(wrapped: WrappedKey, _context: EncryptionContext): Promise<Uint8Array> {
    const recorded = parseKeyId(wrapped.keyId);
    if (!recorded?.version || !this.recognises(wrapped.keyId)) {
      throw new KmsRefused(BACKEND, 'unwrap a key', 'wrong_key', `wrapped with ${wrapped.keyId}, not a version of ${this.keyId}`);
    }
    const response = await this.post(recorded.version, 'unwrapkey', 'unwrap a key', { alg: ALGORITHM, value: Buffer.from(wrapped.blob).toString('base64url') });
    const body = response.json as { value?: unknown };
    if (typeof body.value !== 'string') throw new KmsUnavailable(BACKEND, 'unwrap a key', 'unexpected response');
    return Buffer.from(body.value, 'base64url');
  }

  /** A kid of this vault and key name (and of the configured version, when one is pinned). */
  recognises(keyId: string): boolean {
    const other = parseKeyId(keyId);
    if (!other) return false;
    return other.vault === this.key.vault && other.name === this.key.name && (this.key.version === undefined || other.version === this.key.version);
  }

  private async versionForWrapping(): Promise<string> {
    if (this.currentVersion !== undefined) return this.currentVersion;
    const response = await this.send('GET', `/keys/${encodeURIComponent(this.key.name)}`, 'read the key', undefined);
    const body = response.json as { key?: { kid?: unknown }; attributes?: { enabled?: unknown } };
    if (body.attributes?.enabled === false) throw new KmsRefused(BACKEND, 'read the key', 'KeyDisabled', `${this.keyId} is disabled`);
    const version = typeof body.key?.kid === 'string' ? parseKeyId(body.key.kid)?.version : undefined;
    if (version === undefined) throw new KmsUnavailable(BACKEND, 'read the key', 'unexpected response');
    this.currentVersion = version;
    return version;
  }

  private post(version: string, action: 'wrapkey' | 'unwrapkey', operation: string, body: Record<string, string>): Promise<JsonResponse> {
    return this.send('POST', `/keys/${encodeURIComponent(this.key.name)}/${encodeURIComponent(version)}/${action}`, operation, body);
  }

  private async send(method: 'GET' | 'POST', path: string, operation: string, body: Record<string, string> | undefined): Promise<JsonResponse> {
    const response = await requestJson(BACKEND, operation, `${this.endpoint}${path}?api-version=${API_VERSION}`, {
      method,
      headers: { authorization: `Bearer ${await this.tokens.token()}` },
      ...(body === undefined ? {} : { body }),
    });
    if (response.status === 200) return response;
    // Key Vault's error body: {"error": {"code": "Forbidden", "message": "...", "innererror": {"code": "KeyDisabled"}}}
    const error = ((response.json ?? {}) as { error?: { code?: unknown; message?: unknown; innererror?: { code?: unknown } } }).error ?? {};
    const reason = typeof error.innererror?.code === 'string' ? error.innererror.code : typeof error.code === 'string' ? error.code : `HTTP ${response.status}`;
    throw failure(BACKEND, operation, response, reason, typeof error.message === 'string' ? error.message : '');
  }
}
