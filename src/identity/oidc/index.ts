// The `oidc` identity provider: browser login through an OpenID provider. See README.md.
export { OidcIdentityProvider, createOidcIdentity, oidcIdentityFactory } from './provider.js';
export { oidcConfigSchema, issuerProblem, DEFAULT_SCOPES, DEFAULT_GROUPS_CLAIM, type OidcConfig } from './config.js';
export { identityFromClaims } from './claims.js';
export { isLoopbackHost, isLoopbackIpLiteral } from './loopback.js';
export { IdentityProviderUnavailable, RedirectLoginFailed } from './errors.js';
export { failureReason, isUnreachable } from './failure.js';
export { groupsAt } from './claims.js';
