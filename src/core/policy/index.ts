export * from './types.js';
export * from './checks.js';
export { identityInScope } from './scope.js';
export { evaluatePolicy } from './evaluate.js';
