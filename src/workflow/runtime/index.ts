export * from './activities.js';
export * from './embedded/index.js';
export type { WorkflowRuntime } from './runtime.js';
export { environmentSecret } from './environment-secrets.js';
export { accessCallInFlight } from './in-flight.js';
