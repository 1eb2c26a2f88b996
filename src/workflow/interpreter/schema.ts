// Data validation: a value that does not match its `input.schema`, `output.schema` or
// `export.schema` faults with a validation error (status 400) at the task.
import { schemaProblems } from '../dsl/index.js';
import { ERROR_TYPES, WorkflowFault } from './errors.js';

/** Faults at `instance` when `value` does not validate against `schema` (no schema: nothing to do). */
export function validateAgainstSchema(schema: unknown, value: unknown, instance: string, what: 'input' | 'output' | 'context'): void {
  if (schema === undefined) return;
  let problems: string | undefined;
  try {
    problems = schemaProblems(schema, value, what);
  } catch (err) {
    throw new WorkflowFault({ type: ERROR_TYPES.validation, status: 400, title: `Invalid ${what} schema`, detail: err instanceof Error ? err.message : String(err), instance });
  }
  if (problems !== undefined) {
    throw new WorkflowFault({ type: ERROR_TYPES.validation, status: 400, title: `The ${what} does not match its schema`, detail: problems, instance });
  }
}
