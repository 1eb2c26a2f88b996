// identity/: who is asking. Identity providers (local users, OIDC, plain OAuth 2.0, SAML) and
// the session tokens the server issues after login. The OIDC, OAuth 2.0 and SAML providers are
// not exported from here: their libraries load only when such a provider is configured
// (identityFactoryLoaders, used by the provider registry).
import type { ProviderFactory } from '../providers/index.js';

export type { IdentityProvider, IdentityProviderInstance, PasswordIdentityProvider, RedirectIdentityProvider, RedirectLoginChecks } from './types.js';
export * from './local/index.js';
export * from './sessions/index.js';
// What every redirect provider and the server's login routes share; no IdP library behind them.
export { IdentityProviderUnavailable, RedirectLoginFailed } from './oidc/errors.js';
export { isLoopbackHost, isLoopbackIpLiteral } from './oidc/loopback.js';

/** Each identity provider type's factory, imported on first call. */
export const identityFactoryLoaders = {
  local: async () => (await import('./local/index.js')).localIdentityFactory as ProviderFactory,
  oidc: async () => (await import('./oidc/index.js')).oidcIdentityFactory as ProviderFactory,
  oauth2: async () => (await import('./oauth2/index.js')).oauth2IdentityFactory as ProviderFactory,
  'oauth2.google': async () => (await import('./oauth2/index.js')).googleOAuth2IdentityFactory as ProviderFactory,
  saml: async () => (await import('./saml/index.js')).samlIdentityFactory as ProviderFactory,
} satisfies Record<string, () => Promise<ProviderFactory>>;
