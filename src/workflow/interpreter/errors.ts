// Faults are DSL errors (`{type, status, title, detail, instance}`) thrown inside a step and
// caught by the flow loop, which ends the workflow with them (after revoking a live lease).
import { LeaseError } from '../../core/errors.js';
import type { WorkflowError } from './types.js';

const SPEC_ERRORS = 'https://serverlessworkflow.io/spec/1.0.0/errors';

/** The DSL's standard error types. */
export const ERROR_TYPES = {
  expression: `${SPEC_ERRORS}/expression`,
  runtime: `${SPEC_ERRORS}/runtime`,
  validation: `${SPEC_ERRORS}/validation`,
  timeout: `${SPEC_ERRORS}/timeout`,
  communication: `${SPEC_ERRORS}/communication`,
  /** An approval was denied (lease.approvals). */
  denied: 'https://lease.dev/errors/denied',
} as const;

/** A workflow fault in flight: carries the DSL error the workflow ends with. */
export class WorkflowFault extends Error {
  constructor(readonly error: WorkflowError) {
    super(error.detail ?? error.title ?? error.type);
    this.name = 'WorkflowFault';
  }
}

/** The runtime handed the interpreter something it cannot use (a bug in the caller, not in the workflow). */
export class InvalidWorkflowState extends LeaseError {
  constructor(message: string) {
    super('workflow_state_invalid', message, { status: 500 });
  }
}
