// What login can ask of an identity provider: the interfaces are part of the provider contract
// (providers/identity-provider.ts), so that providers/ never imports identity/.
import type { IdentityProvider } from '../providers/identity-provider.js';
import type { ProviderInstance } from '../providers/index.js';

export type { IdentityProvider, PasswordIdentityProvider, RedirectIdentityProvider, RedirectLoginChecks } from '../providers/identity-provider.js';

/** A provider instance with the identity capability. */
export interface IdentityProviderInstance extends ProviderInstance {
  readonly identity: IdentityProvider;
}
