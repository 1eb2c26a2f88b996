export * from './names.js';
export { createBuiltinCalls, type AccessDirectory, type BuiltinCallDeps, type LeaseEvent, type LeaseEventListener } from './builtin.js';
