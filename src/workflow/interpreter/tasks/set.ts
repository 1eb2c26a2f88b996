// `set`: the output is the set object (or expression result), evaluated against the input.
import { evaluate } from '../data.js';
import type { TaskHandler } from './task.js';

export const setTask: TaskHandler = {
  start: ({ run, ref, input, vars }) => ({ kind: 'done', output: evaluate(run, ref.task.set, input, vars, ref.pointer) }),
};
