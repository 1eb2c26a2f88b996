// A recorded-contract fake of Azure Key Vault keys (no emulator is available here): an HTTP
// server on 127.0.0.1 that checks requests as the REST reference (api-version 7.x) documents
// them and answers as the service does. Covered: `GET /keys/{name}[/{version}]` (KeyBundle),
// `POST /keys/{name}/{version}/wrapkey|unwrapkey` with `{alg, value}` (base64url) answered by
// `{kid, value}`, real RSA-OAEP-256 with a 2048-bit key per version; bearer tokens (401 with a
// `WWW-Authenticate: Bearer authorization=..., resource=...` challenge); the error body
// `{"error": {"code", "message", "innererror"?}}` (KeyNotFound, Forbidden/KeyDisabled,
// BadParameter); and the managed identity endpoint of the instance metadata service
// (`Metadata: true`, `resource=https://vault.azure.net`).
import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface FakeVersion {
  version: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  enabled: boolean;
}

export interface AzureKeyVaultFake {
  /** Where requests go (`endpoint` in the config). */
  endpoint: string;
  /** The vault's own URL, as kids name it: https://lease-test.vault.azure.net */
  vaultUrl: string;
  /** The managed identity endpoint (`identity_endpoint` in the config). */
  identityEndpoint: string;
  token: string;
  requests: { method: string; path: string; query: Record<string, string>; body: Record<string, unknown> | undefined }[];
  identityTokenRequests: number;
  /** Creates a key (or a new version of it); returns the new version. */
  createKey(name: string): string;
  disableVersion(name: string, version: string): void;
  close(): Promise<void>;
}

const ALGORITHMS = ['RSA-OAEP', 'RSA-OAEP-256', 'RSA1_5'];

class KvError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly inner?: string,
  ) {
    super(message);
  }
}

export async function startAzureKeyVaultFake(vaultHost = 'lease-test.vault.azure.net'): Promise<AzureKeyVaultFake> {
  const token = `eyJ0eXAiOiJKV1QifQ.fake-${randomBytes(16).toString('hex')}`;
  const vaultUrl = `https://${vaultHost}`;
  const keys = new Map<string, FakeVersion[]>();
  const requests: AzureKeyVaultFake['requests'] = [];
  let identityTokenRequests = 0;

  const kid = (name: string, v: FakeVersion) => `${vaultUrl}/keys/${name}/${v.version}`;
  const bundle = (name: string, v: FakeVersion) => {
    const jwk = v.publicKey.export({ format: 'jwk' });
    return {
      key: { kid: kid(name, v), kty: 'RSA', key_ops: ['wrapKey', 'unwrapKey', 'encrypt', 'decrypt'], n: jwk.n, e: jwk.e },
      attributes: { enabled: v.enabled, created: 1767225600, updated: 1767225600, recoveryLevel: 'Recoverable+Purgeable' },
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    if (url.pathname === '/metadata/identity/oauth2/token') {
      identityTokenRequests++;
      if (req.headers.metadata !== 'true') return json(res, 400, { error: 'invalid_request', error_description: 'Required metadata header not specified' });
      if (url.searchParams.get('resource') !== 'https://vault.azure.net' || !url.searchParams.get('api-version')) {
        return json(res, 400, { error: 'invalid_request', error_description: 'Required query variable resource or api-version is missing' });
      }
      const expiresOn = Math.floor(Date.now() / 1000) + 3600;
      return json(res, 200, { access_token: token, expires_in: '3600', expires_on: String(expiresOn), resource: 'https://vault.azure.net', token_type: 'Bearer' });
    }
    let body: Record<string, unknown> | undefined;
    try {
      body = raw === '' ? undefined : (JSON.parse(raw) as Record<string, unknown>);
    } catch {
      body = undefined;
    }
    requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), body });
    try {
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.setHeader('www-authenticate', 'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"');
        throw new KvError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.');
      }
      const apiVersion = url.searchParams.get('api-version');
      if (!apiVersion || !/^7\.\d+$/.test(apiVersion)) throw new KvError(400, 'BadParameter', `The specified version (${apiVersion ?? ''}) is not recognized. Consider using the latest supported version (7.5).`);
      const match = /^\/keys\/([A-Za-z0-9-]+)(?:\/([0-9a-f]{32}))?(?:\/(wrapkey|unwrapkey))?\/?$/.exec(url.pathname);
      if (!match) throw new KvError(404, 'NotFound', 'The requested resource was not found.');
      const [, name, version, action] = match as unknown as [string, string, string | undefined, 'wrapkey' | 'unwrapkey' | undefined];
      const versions = keys.get(name);
      if (!versions) throw new KvError(404, 'KeyNotFound', `A key with (name/id) ${name} was not found in this key vault.`);
      const v = version === undefined ? versions.at(-1)! : versions.find((x) => x.version === version);
      if (!v) throw new KvError(404, 'KeyNotFound', `A key with (name/id) ${name}/${version} was not found in this key vault.`);
      if (action === undefined) {
        if (req.method !== 'GET') throw new KvError(405, 'BadParameter', 'The requested method is not allowed.');
        return json(res, 200, bundle(name, v));
      }
      if (req.method !== 'POST' || version === undefined) throw new KvError(404, 'NotFound', 'The requested resource was not found.');
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json') || body === undefined) throw new KvError(400, 'BadParameter', 'Request body is missing or not JSON.');
      if (typeof body.alg !== 'string' || !ALGORITHMS.includes(body.alg)) throw new KvError(400, 'BadParameter', 'Property alg is required and must be a supported key wrap algorithm.');
      if (typeof body.value !== 'string' || !/^[A-Za-z0-9_-]+$/.test(body.value)) throw new KvError(400, 'BadParameter', 'Property value is required and must be base64url.');
      if (!v.enabled) throw new KvError(403, 'Forbidden', `Operation ${action === 'wrapkey' ? 'wrapKey' : 'unwrapKey'} is not allowed on a disabled key.`, 'KeyDisabled');
      const oaepHash = body.alg === 'RSA-OAEP-256' ? 'sha256' : 'sha1';
      const padding = body.alg === 'RSA1_5' ? constants.RSA_PKCS1_PADDING : constants.RSA_PKCS1_OAEP_PADDING;
      const input = Buffer.from(body.value, 'base64url');
      let output: Buffer;
      if (action === 'wrapkey') {
        output = publicEncrypt({ key: v.publicKey, padding, oaepHash }, input);
      } else {
        try {
          output = privateDecrypt({ key: v.privateKey, padding, oaepHash }, input);
        } catch {
          throw new KvError(400, 'BadParameter', 'Bad Request');
        }
      }
      return json(res, 200, { kid: kid(name, v), value: output.toString('base64url') });
    } catch (err) {
      if (!(err instanceof KvError)) throw err;
      return json(res, err.status, { error: { code: err.code, message: err.message, ...(err.inner ? { innererror: { code: err.inner } } : {}) } });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    vaultUrl,
    identityEndpoint: `${endpoint}/metadata/identity/oauth2/token`,
    token,
    requests,
    get identityTokenRequests() {
      return identityTokenRequests;
    },
    createKey(name) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const version = randomBytes(16).toString('hex');
      keys.set(name, [...(keys.get(name) ?? []), { version, privateKey, publicKey, enabled: true }]);
      return version;
    },
    disableVersion(name, version) {
      keys.get(name)!.find((v) => v.version === version)!.enabled = false;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
