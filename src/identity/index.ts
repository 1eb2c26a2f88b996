// identity/: who is asking. Identity providers (local users now; OIDC and SAML next) and the
// session tokens the server issues after login.
export type { IdentityProvider, IdentityProviderInstance, PasswordIdentityProvider } from './types.js';
export * from './local/index.js';
export * from './sessions/index.js';
