export * from './names.js';
export { createBuiltinCalls, type AccessDirectory, type BuiltinCallDeps } from './builtin.js';
