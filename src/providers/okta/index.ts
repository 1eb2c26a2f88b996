// The `okta` access provider. See README.md.
export { oktaProviderFactory, OktaAccessProvider, type OktaGrantData, type OktaProviderOptions, type GroupSeatRef } from './provider.js';
export { oktaConfigSchema, type OktaConfig } from './config.js';
