// `call` (and Thand's `thand: <name>`): evaluates `with` deeply against the input and issues a
// call command; the activity's result is the task's raw output, its failure a fault at the task.
import { callName } from '../../dsl/index.js';
import { evaluate } from '../data.js';
import { ERROR_TYPES, WorkflowFault } from '../errors.js';
import { cloneJson, issue } from '../state.js';
import type { TaskHandler } from './task.js';

export const callTask: TaskHandler = {
  start: ({ run, ref, input, vars }) => {
    const name = callName(ref.task);
    if (name === undefined) {
      throw new WorkflowFault({ type: ERROR_TYPES.validation, status: 400, title: 'Call without a name', instance: ref.pointer });
    }
    const args = evaluate(run, ref.task.with ?? {}, input, vars, ref.pointer);
    issue(run, { kind: 'call', task: ref.pointer, name, args });
    return { kind: 'suspended' };
  },
  resume: ({ ref }, _command, resume) => {
    if (resume.kind === 'call.failed') throw new WorkflowFault(cloneJson({ ...resume.error, instance: ref.pointer }));
    if (resume.kind !== 'call.completed') return { kind: 'suspended' };
    return { kind: 'done', output: cloneJson(resume.result) };
  },
};
