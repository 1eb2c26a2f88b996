// interpreter/: the deterministic workflow interpreter. No I/O, no clock: runtimes drive it.
export { startWorkflow, resumeWorkflow } from './interpreter.js';
export { ERROR_TYPES, WorkflowFault, InvalidWorkflowState } from './errors.js';
export { LEASE_EXPIRY_ID, LEASE_EXPIRY_TASK, IMPLICIT_REVOKE_TASK } from './lease.js';
export { revealSecrets, secretPlaceholder } from './secrets.js';
export type { InterpreterState } from './state.js';
export type * from './types.js';
