// The `sudo` access provider. See README.md.
export { sudoProviderFactory, SudoAccessProvider } from './provider.js';
export { DEFAULT_SUDOERS_DIR, sudoAgentBinding, sudoConfigSchema, sudoEngineIssue, sudoHostSettingsSchema, type SudoConfig, type SudoHostSettings } from './config.js';
export { SudoGrantRefused, SudoersCheckFailed, SudoersIoFailed, type SudoRefusalCode } from './errors.js';
