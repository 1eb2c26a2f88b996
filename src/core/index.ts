// core/: domain types and pure rules. Depends on nothing else of ours.
export * from './errors.js';
export * from './duration.js';
export * from './clock.js';
export * from './identity.js';
export * from './principals.js';
export * from './ids.js';
export * from './request.js';
export * from './query-number.js';
export * from './policy/index.js';
export * from './logger.js';
export * from './metrics.js';
