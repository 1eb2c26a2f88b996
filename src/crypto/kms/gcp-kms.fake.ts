// A recorded-contract fake of Cloud KMS (no emulator exists for it): an HTTP server on
// 127.0.0.1 that checks requests as the REST reference documents them and answers as the
// service does. Covered: `POST /v1/{cryptoKey or cryptoKeyVersion}:encrypt` and
// `POST /v1/{cryptoKey}:decrypt` with base64 `plaintext`/`ciphertext`,
// `additionalAuthenticatedData` and their int64 CRC32C checksums (strings in JSON); bearer
// tokens; Google's error body `{"error": {"code", "message", "status"}}` (UNAUTHENTICATED,
// INVALID_ARGUMENT, FAILED_PRECONDITION for a disabled version, NOT_FOUND); and the metadata
// server's token endpoint (`Metadata-Flavor: Google`). Ciphertexts are the fake's own format:
// only the fake can open them, as only Cloud KMS can open its own.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32c } from './crc32c.js';

interface FakeKey {
  id: Buffer; // 8 bytes, in every ciphertext, so another key's ciphertext is recognised as such
  versions: { secret: Buffer; state: 'ENABLED' | 'DISABLED' }[];
  primary: number; // 1-based
}

export interface GcpKmsFake {
  endpoint: string;
  /** Base URL of the fake metadata server (for `metadata_url`). */
  metadataUrl: string;
  token: string;
  /** Every request: method, path, body. */
  requests: { method: string; path: string; body: Record<string, unknown> | undefined }[];
  metadataTokenRequests: number;
  /** Creates a CryptoKey (purpose ENCRYPT_DECRYPT) with one enabled version; returns its name. */
  createKey(name: string): string;
  /** Adds a new version and makes it primary. */
  rotate(name: string): void;
  disableVersion(name: string, version: number): void;
  /** The next KMS request gets this HTTP status (e.g. 503). */
  failNext(status: number): void;
  close(): Promise<void>;
}

const FIELDS = {
  encrypt: ['plaintext', 'additionalAuthenticatedData', 'plaintextCrc32c', 'additionalAuthenticatedDataCrc32c'],
  decrypt: ['ciphertext', 'additionalAuthenticatedData', 'ciphertextCrc32c', 'additionalAuthenticatedDataCrc32c'],
} as const;
const STATUS_CODES: Record<string, number> = { INVALID_ARGUMENT: 400, FAILED_PRECONDITION: 400, UNAUTHENTICATED: 401, PERMISSION_DENIED: 403, NOT_FOUND: 404, UNAVAILABLE: 503 };

class ApiError extends Error {
  constructor(
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startGcpKmsFake(): Promise<GcpKmsFake> {
  const token = `ya29.fake-${randomBytes(16).toString('hex')}`;
  const keys = new Map<string, FakeKey>();
  const requests: GcpKmsFake['requests'] = [];
  let failStatus: number | undefined;
  let metadataTokenRequests = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    if (url.pathname === '/computeMetadata/v1/instance/service-accounts/default/token') {
      metadataTokenRequests++;
      if (req.method !== 'GET' || req.headers['metadata-flavor'] !== 'Google') return send(res, 403, 'text/html', 'Missing Metadata-Flavor:Google header.');
      return send(res, 200, 'application/json', JSON.stringify({ access_token: token, expires_in: 3599, token_type: 'Bearer' }));
    }
    let body: Record<string, unknown> | undefined;
    try {
      body = raw === '' ? undefined : (JSON.parse(raw) as Record<string, unknown>);
    } catch {
      body = undefined;
    }
    requests.push({ method: req.method ?? '', path: url.pathname, body });
    if (failStatus !== undefined) {
      const status = failStatus;
      failStatus = undefined;
      return send(res, status, 'application/json', JSON.stringify({ error: { code: status, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } }));
    }
    try {
      if (req.headers.authorization !== `Bearer ${token}`) {
        throw new ApiError('UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
      }
      const match = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/:]+)(?:\/cryptoKeyVersions\/(\d+))?:(encrypt|decrypt)$/.exec(url.pathname);
      if (req.method !== 'POST' || !match) throw new ApiError('NOT_FOUND', `The requested URL ${url.pathname} was not found on this server.`);
      const [, name, versionText, method] = match as unknown as [string, string, string | undefined, 'encrypt' | 'decrypt'];
      if (method === 'decrypt' && versionText !== undefined) throw new ApiError('NOT_FOUND', 'decrypt takes a CryptoKey, not a CryptoKeyVersion');
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) throw new ApiError('INVALID_ARGUMENT', 'Invalid JSON payload received.');
      if (body === undefined || typeof body !== 'object' || Array.isArray(body)) throw new ApiError('INVALID_ARGUMENT', 'Invalid JSON payload received.');
      for (const field of Object.keys(body)) {
        if (!(FIELDS[method] as readonly string[]).includes(field)) throw new ApiError('INVALID_ARGUMENT', `Invalid JSON payload received. Unknown name "${field}": Cannot find field.`);
      }
      const key = keys.get(name);
      if (!key) throw new ApiError('NOT_FOUND', `CryptoKey ${name} not found.`);
      const aad = bytesField(body, 'additionalAuthenticatedData', false);
      checkCrc(body, 'additionalAuthenticatedData', aad);
      if (method === 'encrypt') {
        const plaintext = bytesField(body, 'plaintext', true);
        if (plaintext.length > 64 * 1024) throw new ApiError('INVALID_ARGUMENT', 'The plaintext is too large.');
        checkCrc(body, 'plaintext', plaintext);
        const version = versionText === undefined ? key.primary : Number(versionText);
        const v = key.versions[version - 1];
        if (!v) throw new ApiError('NOT_FOUND', `CryptoKeyVersion ${name}/cryptoKeyVersions/${version} not found.`);
        if (v.state !== 'ENABLED') throw new ApiError('FAILED_PRECONDITION', `${name}/cryptoKeyVersions/${version} is not enabled, current state is: ${v.state}.`);
        const iv = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', v.secret, iv);
        cipher.setAAD(aad);
        const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
        const ciphertext = Buffer.concat([key.id, Buffer.of(version), iv, sealed, cipher.getAuthTag()]);
        return send(res, 200, 'application/json', JSON.stringify({
          name: `${name}/cryptoKeyVersions/${version}`,
          ciphertext: ciphertext.toString('base64'),
          ciphertextCrc32c: String(crc32c(ciphertext)),
          verifiedPlaintextCrc32c: body.plaintextCrc32c !== undefined,
          verifiedAdditionalAuthenticatedDataCrc32c: body.additionalAuthenticatedDataCrc32c !== undefined,
          protectionLevel: 'SOFTWARE',
        }));
      }
      const ciphertext = bytesField(body, 'ciphertext', true);
      checkCrc(body, 'ciphertext', ciphertext);
      const invalid = new ApiError('INVALID_ARGUMENT', 'Decryption failed: the ciphertext is invalid.');
      if (ciphertext.length < 8 + 1 + 12 + 16 || !ciphertext.subarray(0, 8).equals(key.id)) throw invalid;
      const version = ciphertext[8]!;
      const v = key.versions[version - 1];
      if (!v) throw invalid;
      if (v.state !== 'ENABLED') throw new ApiError('FAILED_PRECONDITION', `${name}/cryptoKeyVersions/${version} is not enabled, current state is: ${v.state}.`);
      const decipher = createDecipheriv('aes-256-gcm', v.secret, ciphertext.subarray(9, 21));
      decipher.setAAD(aad);
      decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
      let plaintext: Buffer;
      try {
        plaintext = Buffer.concat([decipher.update(ciphertext.subarray(21, ciphertext.length - 16)), decipher.final()]);
      } catch {
        throw invalid;
      }
      return send(res, 200, 'application/json', JSON.stringify({
        plaintext: plaintext.toString('base64'),
        plaintextCrc32c: String(crc32c(plaintext)),
        usedPrimary: version === key.primary,
        protectionLevel: 'SOFTWARE',
      }));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const code = STATUS_CODES[err.status] ?? 400;
      return send(res, code, 'application/json', JSON.stringify({ error: { code, message: err.message, status: err.status } }));
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, 'text/plain', String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    endpoint: base,
    metadataUrl: base,
    token,
    requests,
    get metadataTokenRequests() {
      return metadataTokenRequests;
    },
    createKey(name) {
      keys.set(name, { id: randomBytes(8), versions: [{ secret: randomBytes(32), state: 'ENABLED' }], primary: 1 });
      return name;
    },
    rotate(name) {
      const key = keys.get(name)!;
      key.versions.push({ secret: randomBytes(32), state: 'ENABLED' });
      key.primary = key.versions.length;
    },
    disableVersion(name, version) {
      keys.get(name)!.versions[version - 1]!.state = 'DISABLED';
    },
    failNext(status) {
      failStatus = status;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function bytesField(body: Record<string, unknown>, field: string, required: boolean): Buffer {
  const value = body[field];
  if (value === undefined) {
    if (required) throw new ApiError('INVALID_ARGUMENT', `${field} is required.`);
    return Buffer.alloc(0);
  }
  // proto3 JSON `bytes`: standard or URL-safe base64.
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) throw new ApiError('INVALID_ARGUMENT', `Invalid value at '${field}' (TYPE_BYTES), Base64 decoding failed.`);
  return Buffer.from(value, 'base64');
}

function checkCrc(body: Record<string, unknown>, field: string, data: Buffer): void {
  const crc = body[`${field}Crc32c`];
  if (crc === undefined) return;
  if ((typeof crc !== 'string' && typeof crc !== 'number') || String(crc) !== String(crc32c(data))) {
    throw new ApiError('INVALID_ARGUMENT', `The checksum in field ${field}_crc32c did not match the data in field ${field}.`);
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type }).end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
