// How an OIDC or OAuth 2.0 login failed, in words safe to log (openid-client's errors).
import * as client from 'openid-client';

/** A short word for a failure, safe to log and audit: never the message (it may quote input). */
export function failureReason(err: unknown): string {
  if (err instanceof client.AuthorizationResponseError || err instanceof client.ResponseBodyError) {
    return /^[a-z_]{1,64}$/.test(err.error) ? err.error : 'idp_error';
  }
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z_]{1,64}$/.test(code) ? code.toLowerCase() : 'invalid_response';
}

/** A network failure or a timeout: the IdP is unavailable rather than the answer wrong. */
export function isUnreachable(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError' || (err instanceof TypeError && err.message === 'fetch failed'));
}
