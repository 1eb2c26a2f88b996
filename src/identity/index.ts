// identity/: who is asking. Identity providers (local users, OIDC, plain OAuth 2.0, SAML) and
// the session tokens the server issues after login.
export type { IdentityProvider, IdentityProviderInstance, PasswordIdentityProvider, RedirectIdentityProvider, RedirectLoginChecks } from './types.js';
export * from './local/index.js';
export * from './oidc/index.js';
export * from './oauth2/index.js';
export * from './saml/index.js';
export * from './sessions/index.js';
