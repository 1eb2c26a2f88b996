// Errors of an OIDC login. Messages say what failed, never a code, token, secret or claim value.
import * as client from 'openid-client';
import { LeaseError } from '../../core/index.js';

/** The IdP could not be reached or its discovery document is unusable (502). */
export class IdentityProviderUnavailable extends LeaseError {
  constructor(providerId: string, reason: string, cause?: unknown) {
    super('identity_provider_unavailable', `identity provider "${providerId}" is unavailable: ${reason}`, { status: 502, cause });
  }
}

/**
 * The IdP's answer did not pass the checks (state, PKCE, nonce, ID token signature, issuer,
 * audience, expiry) or the IdP reported an error (401). `reason` is a short machine word.
 */
export class RedirectLoginFailed extends LeaseError {
  constructor(readonly reason: string, cause?: unknown) {
    super('login_failed', `login failed (${reason})`, { status: 401, cause });
  }
}

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
