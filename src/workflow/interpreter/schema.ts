// Data validation: a value that does not match its `input.schema`, `output.schema` or
// `export.schema` faults with a validation error (status 400) at the task.
// The validator comes from the runtime (InterpreterEnv.schemas), so the interpreter does not load
// a JSON Schema library: the Temporal sandbox instantiates every module per cached workflow.
import { ERROR_TYPES, WorkflowFault } from './errors.js';
import type { SchemaValidator } from './types.js';

/** Faults at `instance` when `value` does not validate against `schema` (no schema: nothing to do). */
export function validateAgainstSchema(validator: SchemaValidator, schema: unknown, value: unknown, instance: string, what: 'input' | 'output' | 'context'): void {
  if (schema === undefined) return;
  const check = validator(schema, value, what);
  if (!check.ok) {
    throw new WorkflowFault({ type: ERROR_TYPES.validation, status: 400, title: `Invalid ${what} schema`, detail: check.message, instance });
  }
  if (check.problems !== null) {
    throw new WorkflowFault({ type: ERROR_TYPES.validation, status: 400, title: `The ${what} does not match its schema`, detail: check.problems, instance });
  }
}
