export * from './types.js';
export * from './checks.js';
export { evaluatePolicy } from './evaluate.js';
