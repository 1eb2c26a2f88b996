// JSON over HTTPS for the REST backends (GCP, Azure), and the bearer tokens they need: one given
// in the config, or one fetched from the cloud's metadata / managed identity endpoint and cached
// until shortly before it expires. Tokens are credentials: never logged, never in an error.
import { KmsRefused, KmsUnavailable } from './errors.js';

const TIMEOUT_MS = 15_000;
const EXPIRY_MARGIN_MS = 60_000;

export interface JsonResponse {
  status: number;
  json: unknown;
}

/** Sends one request; network failures and timeouts are KmsUnavailable. */
export async function requestJson(
  backend: string,
  operation: string,
  url: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: unknown },
): Promise<JsonResponse> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method,
      headers: { accept: 'application/json', ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'error',
    });
  } catch (err) {
    throw new KmsUnavailable(backend, operation, `${new URL(url).origin}: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`, { cause: err });
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json };
}

/** A 4xx is the service saying no (KmsRefused); 429, 5xx and anything else is KmsUnavailable. */
export function failure(backend: string, operation: string, response: JsonResponse, reason: string, detail: string): KmsRefused | KmsUnavailable {
  if (response.status >= 400 && response.status < 500 && response.status !== 429) return new KmsRefused(backend, operation, reason, detail);
  return new KmsUnavailable(backend, operation, `HTTP ${response.status} ${reason}${detail ? `: ${detail}` : ''}`);
}

export interface AccessTokenSource {
  token(): Promise<string>;
}

/** A token from the config (or an env var through `${NAME}`): used as given. */
export function staticToken(token: string): AccessTokenSource {
  return { token: async () => token };
}

/** Fetches a token when none is cached or it expires within a minute; concurrent callers share one fetch. */
export function cachedToken(fetchToken: () => Promise<{ token: string; expiresAt: number }>): AccessTokenSource {
  let cached: { token: string; expiresAt: number } | undefined;
  let pending: Promise<{ token: string; expiresAt: number }> | undefined;
  return {
    async token() {
      if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > Date.now()) return cached.token;
      pending ??= fetchToken().finally(() => (pending = undefined));
      cached = await pending;
      return cached.token;
    },
  };
}

function tokenFromBody(backend: string, response: JsonResponse, expiresAt: (body: Record<string, unknown>) => number): { token: string; expiresAt: number } {
  const body = (response.json ?? {}) as Record<string, unknown>;
  if (response.status !== 200 || typeof body.access_token !== 'string' || body.access_token === '') {
    const reason = typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
    throw new KmsUnavailable(backend, 'get an access token', `the identity endpoint answered ${reason}`);
  }
  return { token: body.access_token, expiresAt: expiresAt(body) };
}

/** GCP: the metadata server's token for the instance's default service account. */
export function gcpMetadataToken(metadataUrl: string): AccessTokenSource {
  const url = `${metadataUrl.replace(/\/+$/, '')}/computeMetadata/v1/instance/service-accounts/default/token`;
  return cachedToken(async () => {
    const response = await requestJson('GCP metadata server', 'get an access token', url, { method: 'GET', headers: { 'Metadata-Flavor': 'Google' } });
    return tokenFromBody('GCP metadata server', response, (b) => Date.now() + Number(b.expires_in ?? 0) * 1000);
  });
}

export const AZURE_KEY_VAULT_RESOURCE = 'https://vault.azure.net';

/**
 * Azure: a managed identity's token for Key Vault, from App Service's endpoint
 * ($IDENTITY_ENDPOINT + $IDENTITY_HEADER) or the instance metadata service.
 */
export function azureManagedIdentityToken(options: { endpoint?: string; identityHeader?: string; clientId?: string }): AccessTokenSource {
  const appService = options.endpoint !== undefined && options.identityHeader !== undefined;
  const url = new URL(options.endpoint ?? 'http://169.254.169.254/metadata/identity/oauth2/token');
  url.searchParams.set('api-version', appService ? '2019-08-01' : '2018-02-01');
  url.searchParams.set('resource', AZURE_KEY_VAULT_RESOURCE);
  if (options.clientId !== undefined) url.searchParams.set('client_id', options.clientId);
  const headers: Record<string, string> = appService ? { 'X-IDENTITY-HEADER': options.identityHeader! } : { Metadata: 'true' };
  return cachedToken(async () => {
    const response = await requestJson('Azure managed identity', 'get an access token', url.toString(), { method: 'GET', headers });
    return tokenFromBody('Azure managed identity', response, (b) =>
      b.expires_on !== undefined ? Number(b.expires_on) * 1000 : Date.now() + Number(b.expires_in ?? 0) * 1000,
    );
  });
}
