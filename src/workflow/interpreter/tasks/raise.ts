// `raise`: faults with the given error (inline, or named in `use.errors`); its fields may be
// expressions; `instance` is the task's pointer.
import { evaluate } from '../data.js';
import { ERROR_TYPES, WorkflowFault } from '../errors.js';
import type { WorkflowError } from '../types.js';
import type { TaskHandler } from './task.js';

export const raiseTask: TaskHandler = {
  start: ({ run, ref, input, vars }) => {
    const declared = (ref.task.raise as { error?: unknown } | undefined)?.error;
    const named = typeof declared === 'string' ? (run.doc.use?.errors as Record<string, unknown> | undefined)?.[declared] : declared;
    const error = evaluate(run, named ?? {}, input, vars, ref.pointer) as Partial<Record<keyof WorkflowError, unknown>>;
    const raised: WorkflowError = {
      type: typeof error.type === 'string' ? error.type : ERROR_TYPES.runtime,
      status: Number(error.status ?? 500),
      instance: ref.pointer,
    };
    if (typeof error.title === 'string') raised.title = error.title;
    if (typeof error.detail === 'string') raised.detail = error.detail;
    throw new WorkflowFault(raised);
  },
};
