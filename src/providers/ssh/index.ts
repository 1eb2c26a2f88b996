// The `ssh` access provider: Lease as an SSH certificate authority. See README.md.
export { sshProviderFactory, SshAccessProvider, CLOCK_SKEW_MS, keyIdFor, parseUserPublicKey, principalsOf, type SshGrantData, type SshProviderOptions } from './provider.js';
export { sshConfigSchema, type SshConfig } from './config.js';
export { DEFAULT_EXTENSIONS, STANDARD_EXTENSIONS } from './certificate.js';
export { encodeKrl, type KrlContents } from './krl.js';
export { SshRequestRefused, SshStateIoFailed, type SshRefusalCode } from './errors.js';
