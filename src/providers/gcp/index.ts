// The `gcp` access provider. See README.md.
export { gcpProviderFactory, GcpAccessProvider, customRoleId, type GcpGrantData, type GcpProviderOptions } from './provider.js';
export { gcpConfigSchema, DEFAULT_IAM_ENDPOINT, DEFAULT_RESOURCE_MANAGER_ENDPOINT, type GcpConfig } from './config.js';
