// A Google OAuth 2.0 access token for the cloud-platform scope:
// - a service account key: the JWT-bearer grant (RFC 7523; Google's "Using OAuth 2.0 for
//   server to server applications"): an RS256 assertion signed with the key's private_key,
//   `iss` = client_email, `aud` = the key's token_uri, `scope`, `iat` and `exp` one hour later,
//   posted as `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=...`;
// - authorized_user credentials: the refresh-token grant (RFC 6749 §6).
// Written with jose and fetch rather than google-auth-library: these two flows are all Lease
// uses. The key, the assertion and the token never reach a log or an error message.
import { importPKCS8, SignJWT } from 'jose';
import { answerError, TargetRefused, TargetUnavailable, withRetries, type AccessToken, type RetryOptions } from '../cloud/index.js';
import type { GoogleCredentials } from './credentials.js';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Google accepts assertions of at most an hour. */
const ASSERTION_LIFETIME_S = 3600;

export interface TokenOptions {
  target: string;
  retry?: RetryOptions;
  now?: () => number;
}

/** Signs the JWT-bearer assertion for a service account key. */
export async function signAssertion(credentials: Extract<GoogleCredentials, { kind: 'service_account' }>, nowMs: number, target: string): Promise<string> {
  let key: Awaited<ReturnType<typeof importPKCS8>>;
  try {
    key = await importPKCS8(credentials.privateKey, 'RS256');
  } catch {
    throw new TargetRefused('target_refused', `${target}: the private_key of the ${credentials.origin} is not a PKCS #8 PEM RSA key`);
  }
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({ scope: CLOUD_PLATFORM_SCOPE })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(credentials.privateKeyId ? { kid: credentials.privateKeyId } : {}) })
    .setIssuer(credentials.clientEmail)
    .setAudience(credentials.tokenUri)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ASSERTION_LIFETIME_S)
    .sign(key);
}

/** An access token from the credentials' token_uri. */
export async function fetchGoogleToken(credentials: GoogleCredentials, options: TokenOptions): Promise<AccessToken> {
  const now = options.now ?? Date.now;
  return withRetries(async () => {
    const form: Record<string, string> =
      credentials.kind === 'service_account'
        ? { grant_type: JWT_BEARER, assertion: await signAssertion(credentials, now(), options.target) }
        : { grant_type: 'refresh_token', client_id: credentials.clientId, client_secret: credentials.clientSecret, refresh_token: credentials.refreshToken };
    let response: Response;
    try {
      response = await fetch(credentials.tokenUri, {
        method: 'POST',
        redirect: 'error',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
    } catch (err) {
      throw new TargetUnavailable(`${options.target}: cannot reach ${new URL(credentials.tokenUri).origin} for a token: ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = undefined;
    }
    if (!response.ok) throw answerError(options.target, `token request (${credentials.origin})`, response.status, body ?? text.slice(0, 200), response.headers.get('retry-after'));
    const { access_token: token, expires_in: expiresIn } = (body ?? {}) as { access_token?: unknown; expires_in?: unknown };
    if (typeof token !== 'string' || token === '') throw new TargetUnavailable(`${options.target}: the token endpoint answered without an access_token`);
    const seconds = typeof expiresIn === 'number' ? expiresIn : Number(expiresIn);
    return { token, expiresAt: now() + (Number.isFinite(seconds) && seconds > 0 ? seconds : 300) * 1000 };
  }, options.retry);
}
