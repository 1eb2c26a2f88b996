// The `sudo` access provider. See README.md.
export { sudoProviderFactory, SudoAccessProvider } from './provider.js';
export { sudoConfigSchema, type SudoConfig } from './config.js';
export { SudoGrantRefused, SudoersCheckFailed, SudoersIoFailed, type SudoRefusalCode } from './errors.js';
