// The `kubernetes` access provider. See README.md.
export { kubernetesProviderFactory, KubernetesAccessProvider, type KubernetesGrantData, type KubernetesProviderOptions, type ObjectRef } from './provider.js';
export { kubernetesConfigSchema, type KubernetesConfig } from './config.js';
export { resolveConnection, fromKubeconfig, type Connection } from './connection.js';
