// The `saml` identity provider: browser login through a SAML 2.0 IdP. See README.md.
export { SamlIdentityProvider, createSamlIdentity, samlIdentityFactory, samlFailureReason, MAX_ASSERTION_AGE_MS } from './provider.js';
export { samlConfigSchema, MAX_CLOCK_SKEW_SECONDS, DEFAULT_ATTRIBUTES, type SamlConfig } from './config.js';
export { identityFromProfile, type AttributeNames } from './attributes.js';
export { parseIdpMetadata, IdpMetadataInvalid, type IdpMetadata } from './idp-metadata.js';
export { SeenAssertions, StoredSeenAssertions, DEFAULT_SEEN_ASSERTIONS_LIMIT, type AssertionReplayGuard } from './replay.js';
