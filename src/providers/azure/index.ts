// The `azure` access provider. See README.md.
export { azureProviderFactory, AzureAccessProvider, type AzureGrantData, type AssignmentRef, type AzureProviderOptions } from './provider.js';
export { azureConfigSchema, DEFAULT_ARM_ENDPOINT, DEFAULT_AUTHORITY, DEFAULT_GRAPH_ENDPOINT, type AzureConfig } from './config.js';
