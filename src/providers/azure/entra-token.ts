// An Entra ID access token by the OAuth 2.0 client-credentials grant (one form POST to
// {authority}/{tenant}/oauth2/v2.0/token, scope `<resource>/.default`). Written with fetch
// rather than @azure/identity: this is the only flow Lease uses, and the SDK would add dozens
// of modules to a server that must start fast. The secret and the token never reach a log or
// an error message.
import { answerError, TargetUnavailable, withRetries, type AccessToken, type RetryOptions } from '../cloud/index.js';

export interface ClientCredentials {
  authority: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Names the target in messages. */
  target: string;
  retry?: RetryOptions;
}

/** A token for `resource` (e.g. https://management.azure.com): its audience is that resource. */
export async function fetchEntraToken(credentials: ClientCredentials, resource: string, now: () => number = Date.now): Promise<AccessToken> {
  const url = `${credentials.authority}/${encodeURIComponent(credentials.tenantId)}/oauth2/v2.0/token`;
  return withRetries(async () => {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        redirect: 'error',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: credentials.clientId,
          client_secret: credentials.clientSecret,
          scope: `${resource}/.default`,
        }).toString(),
      });
    } catch (err) {
      throw new TargetUnavailable(`${credentials.target}: cannot reach ${new URL(url).origin} for a token: ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = undefined;
    }
    if (!response.ok) throw answerError(credentials.target, 'token request', response.status, body ?? text.slice(0, 200), response.headers.get('retry-after'));
    const { access_token: token, expires_in: expiresIn } = (body ?? {}) as { access_token?: unknown; expires_in?: unknown };
    if (typeof token !== 'string' || token === '') throw new TargetUnavailable(`${credentials.target}: the token endpoint answered without an access_token`);
    const seconds = typeof expiresIn === 'number' ? expiresIn : Number(expiresIn);
    return { token, expiresAt: now() + (Number.isFinite(seconds) && seconds > 0 ? seconds : 300) * 1000 };
  }, credentials.retry);
}
