// The `local` identity provider and its password hashing. See ../README.md.
export { LocalIdentityProvider, createLocalIdentity, localIdentityFactory } from './provider.js';
export { localConfigSchema, localUserSchema, type LocalConfig, type LocalUser } from './config.js';
export { hashPassword, verifyPassword, isPasswordHash, PASSWORD_HASH_FORMAT, MAX_PASSWORD_LENGTH } from './password.js';
