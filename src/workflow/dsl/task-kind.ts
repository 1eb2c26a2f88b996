// What kind of task a task object is, decided by its keys as in the DSL (a `for` task also has
// `do`, so it is tested first). Thand's `thand: <name>` form (and Lease's `lease: <name>`) is a
// call of the built-in `lease.<name>`.
import { canonicalCallName } from '../calls/names.js';

export const SUPPORTED_TASK_KINDS = ['call', 'set', 'switch', 'wait', 'raise', 'listen', 'emit', 'for', 'fork', 'try', 'do'] as const;
/** `run` (containers, shells, scripts, sub-workflows) is refused at load. */
export const LATER_TASK_KINDS = ['run'] as const;

export type SupportedTaskKind = (typeof SUPPORTED_TASK_KINDS)[number];
export type TaskKind = SupportedTaskKind | (typeof LATER_TASK_KINDS)[number];

const DETECTION_ORDER: readonly TaskKind[] = ['call', 'set', 'switch', 'wait', 'raise', 'listen', 'emit', 'for', 'fork', 'try', 'run', 'do'];
const SHORTHAND_CALL_KEYS = ['thand', 'lease'] as const;

/** The task's kind, or undefined when no known key is present. */
export function taskKind(task: Record<string, unknown>): TaskKind | undefined {
  if (SHORTHAND_CALL_KEYS.some((key) => typeof task[key] === 'string')) return 'call';
  return DETECTION_ORDER.find((kind) => kind in task);
}

export function isSupportedTaskKind(kind: TaskKind): kind is SupportedTaskKind {
  return (SUPPORTED_TASK_KINDS as readonly string[]).includes(kind);
}

/** The canonical call name of a call task (`call: thand.x`, `thand: x` and `lease: x` → `lease.x`). */
export function callName(task: Record<string, unknown>): string | undefined {
  for (const key of SHORTHAND_CALL_KEYS) {
    if (typeof task[key] === 'string') return `lease.${task[key] as string}`;
  }
  return typeof task.call === 'string' ? canonicalCallName(task.call) : undefined;
}

/** Calls the DSL itself defines that Lease runs (as a call command of that name). */
export const DSL_CALLS = ['http'] as const;

/** Flow directives usable in `then` besides a sibling task name. */
export const FLOW_DIRECTIVES = ['continue', 'exit', 'end'] as const;
export type FlowDirective = (typeof FLOW_DIRECTIVES)[number];

export function isFlowDirective(value: string): value is FlowDirective {
  return (FLOW_DIRECTIVES as readonly string[]).includes(value);
}
