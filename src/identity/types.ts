// What login can ask of an identity provider. Each kind is one login flow: `password` (local
// users) checks a username and password itself; `redirect` (OIDC) sends a browser to the IdP and
// turns its answer into an identity. SAML will add its own kind.
import type { Identity } from '../core/index.js';
import type { ProviderInstance } from '../providers/index.js';

/** Checks a username and password itself (local users: development and break-glass). */
export interface PasswordIdentityProvider {
  readonly kind: 'password';
  /** The provider's id in config; becomes Identity.provider. */
  readonly id: string;
  readonly type: string;
  /** The identity, or InvalidCredentials (same error and the same work for unknown users). */
  authenticate(username: string, password: string): Promise<Identity>;
}

/**
 * What one browser login must prove when the IdP answers: the state and nonce sent, the PKCE
 * verifier, and the redirect URI the IdP was told. Secrets: kept server-side, never logged.
 */
export interface RedirectLoginChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
}

/** Logs people in by sending their browser to the IdP and back (OIDC authorization code + PKCE). */
export interface RedirectIdentityProvider {
  readonly kind: 'redirect';
  readonly id: string;
  readonly type: string;
  /** The IdP's authorization URL for a fresh login, and the checks its answer must pass. */
  beginLogin(redirectUri: string): Promise<{ url: string; checks: RedirectLoginChecks }>;
  /**
   * The identity from the IdP's answer (`code`, `state`, ... as the callback received them), or
   * RedirectLoginFailed / IdentityProviderUnavailable.
   */
  finishLogin(answer: URLSearchParams, checks: RedirectLoginChecks): Promise<Identity>;
}

export type IdentityProvider = PasswordIdentityProvider | RedirectIdentityProvider;

/** A provider instance with the identity capability. */
export interface IdentityProviderInstance extends ProviderInstance {
  readonly identity: IdentityProvider;
}
