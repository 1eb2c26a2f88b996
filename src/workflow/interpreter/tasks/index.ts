// One handler per supported task kind.
import type { SupportedTaskKind } from '../../dsl/task-kind.js';
import { callTask } from './call.js';
import { doTask } from './do.js';
import { emitTask } from './emit.js';
import { forTask } from './for.js';
import { forkTask } from './fork.js';
import { listenTask } from './listen.js';
import { raiseTask } from './raise.js';
import { setTask } from './set.js';
import { switchTask } from './switch.js';
import type { TaskHandler } from './task.js';
import { tryTask } from './try.js';
import { waitTask } from './wait.js';

export const TASK_HANDLERS: Record<SupportedTaskKind, TaskHandler> = {
  call: callTask,
  set: setTask,
  switch: switchTask,
  wait: waitTask,
  raise: raiseTask,
  listen: listenTask,
  emit: emitTask,
  for: forTask,
  fork: forkTask,
  try: tryTask,
  do: doTask,
};

export type { TaskHandler, TaskContext, Outcome } from './task.js';
