// What the Temporal runtime keeps in the store's workflow_instances row. Temporal holds the
// workflow's real state; the row records that the request's workflow must exist (written in the
// same transaction as the request, so recover() can start a workflow a crash kept from
// starting) and mirrors the last recorded step for status pages and the scheduler-free store.
import type { WorkflowDocument, WorkflowState } from '../../interpreter/types.js';

export interface TemporalCheckpoint {
  engine: 'temporal';
  document: WorkflowDocument;
  input: unknown;
  /** The last recorded step's state; null until the workflow's first step is recorded. */
  state: WorkflowState | null;
  /** Steps recorded so far (0: the workflow may not have started yet). */
  step: number;
  /** The trace context (W3C traceparent) of the API call that started it, when tracing is on. */
  trace?: string;
}

export function isTemporalCheckpoint(value: unknown): value is TemporalCheckpoint {
  return typeof value === 'object' && value !== null && (value as { engine?: unknown }).engine === 'temporal';
}

export function instanceStatus(state: WorkflowState): 'running' | 'completed' | 'faulted' {
  if (state.status === 'faulted') return 'faulted';
  if (state.status === 'completed' || state.status === 'cancelled') return 'completed';
  return 'running';
}
