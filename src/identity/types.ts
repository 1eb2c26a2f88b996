// What login can ask of an identity provider. Each kind is one login flow; OIDC and SAML will
// add their own kinds to the IdentityProvider union.
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

export type IdentityProvider = PasswordIdentityProvider;

/** A provider instance with the identity capability. */
export interface IdentityProviderInstance extends ProviderInstance {
  readonly identity: IdentityProvider;
}
