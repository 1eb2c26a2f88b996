// What login can ask of an identity provider, as the provider contract (provider.ts) names it.
// Each kind is one login flow: `password` (local users) checks a username and password itself;
// `redirect` (OIDC, SAML) sends a browser to the IdP and turns its answer into an identity.
// The identity providers themselves live in src/identity/.
import type { Identity } from '../core/index.js';

/** Checks a username and password itself (local users: development and break-glass). */
export interface PasswordIdentityProvider {
  readonly kind: 'password';
  /** The provider's id in config; becomes Identity.provider. */
  readonly id: string;
  readonly type: string;
  /** The identity, or InvalidCredentials (same error and the same work for unknown users). */
  authenticate(username: string, password: string): Promise<Identity>;
  /**
   * The user whose configured address this is (compared without case), as a login would give
   * them; undefined when none or several have it. For a chat click mapped by e-mail (Slack).
   */
  findByEmail?(email: string): Identity | undefined;
}

/**
 * What one browser login must prove when the IdP answers. Secrets: kept server-side, never logged.
 * OIDC: the state, nonce and PKCE verifier sent. SAML: state = RelayState, nonce = the
 * AuthnRequest id (the Response's InResponseTo), no verifier ('').
 */
export interface RedirectLoginChecks {
  /** Finds the login attempt when the browser comes back (OIDC `state`, SAML `RelayState`). */
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Where the IdP sends the browser back (OIDC redirect URI, SAML ACS URL). */
  redirectUri: string;
}

/** Logs people in by sending their browser to the IdP and back (OIDC code + PKCE, SAML Web SSO). */
export interface RedirectIdentityProvider {
  readonly kind: 'redirect';
  readonly id: string;
  readonly type: string;
  /** The IdP's authorization URL for a fresh login, and the checks its answer must pass. */
  beginLogin(redirectUri: string): Promise<{ url: string; checks: RedirectLoginChecks }>;
  /**
   * The identity from the IdP's answer (OIDC: `code`, `state`, ... from the query; SAML:
   * `SAMLResponse`, `RelayState` from the form), or
   * RedirectLoginFailed / IdentityProviderUnavailable.
   */
  finishLogin(answer: URLSearchParams, checks: RedirectLoginChecks): Promise<Identity>;
  /** SAML only: our service provider metadata for the IdP, given the server's callback URL. */
  serviceProviderMetadata?(callbackUrl: string): Promise<string>;
}

export type IdentityProvider = PasswordIdentityProvider | RedirectIdentityProvider;
