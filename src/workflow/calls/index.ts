export * from './names.js';
export { createBuiltinCalls, type AccessDirectory, type BuiltinCallDeps, type LeaseEvent, type LeaseEventListener, type ReasonJudge } from './builtin.js';
