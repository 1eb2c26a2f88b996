// `do`: runs its nested task list with the task's input; the last task's output is its output.
import type { TaskHandler } from './task.js';

export const doTask: TaskHandler = {
  start: ({ ref }) => ({ kind: 'enter', list: `${ref.pointer}/do` }),
};
