export { EmbeddedRuntime, type Checkpoint, type StepObserver, type StepEvent, type EmbeddedRuntimeOptions, type StartArgs } from './runtime.js';
