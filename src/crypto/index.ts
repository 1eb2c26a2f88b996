// crypto/: keys and the private files that hold them.
export * from './private-file.js';
export * from './key-set-file.js';
export * from './key-set-refresh.js';
export * from './kms/index.js';
export * from './shared-key-set.js';
