// What the rest of Lease needs of a workflow runtime; the embedded and Temporal runtimes both
// provide it.
import type { WorkflowEvent } from '../interpreter/types.js';
import type { StartArgs } from './embedded/runtime.js';

export interface WorkflowRuntime {
  /** Starts an instance; `within` writes commit before (or with) its start. */
  start(args: StartArgs): Promise<unknown>;
  /** Delivers an event; it is persisted before this resolves. */
  signal(instanceId: string, event: WorkflowEvent): Promise<void>;
  /** Resumes what a previous process left open; returns how many instances it found. */
  recover(): Promise<number>;
  stop(): Promise<void>;
}
