// Errors of an OIDC login. Messages say what failed, never a code, token, secret or claim value.
// No IdP library here: the server's login routes use these classes with no OIDC provider configured.
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
