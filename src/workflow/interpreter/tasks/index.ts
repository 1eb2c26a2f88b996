// One handler per supported task kind. listen, emit, for, fork, try and run slot in here.
import type { SupportedTaskKind } from '../../dsl/index.js';
import { callTask } from './call.js';
import { doTask } from './do.js';
import { raiseTask } from './raise.js';
import { setTask } from './set.js';
import { switchTask } from './switch.js';
import type { TaskHandler } from './task.js';
import { waitTask } from './wait.js';

export const TASK_HANDLERS: Record<SupportedTaskKind, TaskHandler> = {
  call: callTask,
  set: setTask,
  switch: switchTask,
  wait: waitTask,
  raise: raiseTask,
  do: doTask,
};

export type { TaskHandler, TaskContext, Outcome } from './task.js';
