export { EmbeddedRuntime, type Checkpoint, type StepObserver, type EmbeddedRuntimeOptions, type StartArgs } from './runtime.js';
