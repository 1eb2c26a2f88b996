// The `opsgenie` on-call provider. See README.md.
export { opsgenieProviderFactory, OpsgenieOnCall } from './provider.js';
export { opsgenieConfigSchema, type OpsgenieConfig } from './config.js';
