// The `salesforce` access provider. See README.md.
export { salesforceProviderFactory, SalesforceAccessProvider, type SalesforceGrantData, type AssignmentHold, type SalesforceProviderOptions } from './provider.js';
export { salesforceConfigSchema, DEFAULT_API_VERSION, type SalesforceConfig } from './config.js';
