// The `pagerduty` on-call provider. See README.md.
export { pagerdutyProviderFactory, PagerdutyOnCall } from './provider.js';
export { pagerdutyConfigSchema, type PagerdutyConfig } from './config.js';
